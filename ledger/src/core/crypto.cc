#include "ledger/crypto.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <sodium.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "ledger/durable_file.h"

namespace ledger {
namespace {

struct EvpMdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct EvpPkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;

// PEM passphrase callback that supplies none: an encrypted key then fails to
// load instead of OpenSSL prompting on the controlling terminal.
int NoPassphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) { return 0; }

const bool kSodiumReady = [] { return sodium_init() >= 0; }();

// SHA-256 fetched from the provider once. With the implicit EVP_sha256(),
// OpenSSL 3 repeats the provider lookup (a lock and name compares) on every
// EVP_DigestInit_ex, which about halves the rate of hashing 300-byte leaves.
const EVP_MD* Sha256Md() {
  static const EVP_MD* md = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return fetched ? fetched : EVP_sha256();
  }();
  return md;
}

StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string BioToString(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

}  // namespace

Hash Sha256(std::span<const uint8_t> data) {
  Hash h;
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), h.data(), &n, Sha256Md(), nullptr);
  return h;
}

struct Sha256Hasher::Impl {
  std::unique_ptr<EVP_MD_CTX, EvpMdCtxFree> ctx{EVP_MD_CTX_new()};
};

Sha256Hasher::Sha256Hasher() : impl_(std::make_unique<Impl>()) {
  EVP_DigestInit_ex(impl_->ctx.get(), Sha256Md(), nullptr);
}
Sha256Hasher::~Sha256Hasher() = default;

void Sha256Hasher::Update(std::span<const uint8_t> data) {
  EVP_DigestUpdate(impl_->ctx.get(), data.data(), data.size());
}

Hash Sha256Hasher::Finish() {
  Hash h;
  unsigned int n = 0;
  EVP_DigestFinal_ex(impl_->ctx.get(), h.data(), &n);
  EVP_DigestInit_ex(impl_->ctx.get(), Sha256Md(), nullptr);
  return h;
}

Hash HmacSha256(std::string_view key, std::string_view message) {
  // Never null pointers, even for empty inputs: OpenSSL refuses a null key
  // and the output stayed uninitialised (found by ASan).
  static const unsigned char kEmpty[1] = {0};
  const void* k = key.empty() ? kEmpty : static_cast<const void*>(key.data());
  const unsigned char* m =
      message.empty() ? kEmpty : reinterpret_cast<const unsigned char*>(message.data());
  Hash h{};
  unsigned int n = 0;
  if (HMAC(EVP_sha256(), k, static_cast<int>(key.size()), m, message.size(), h.data(), &n) == nullptr ||
      n != h.size()) {
    throw std::runtime_error("HMAC-SHA256 failed in OpenSSL");
  }
  return h;
}

bool Ed25519Verify(std::string_view public_key, std::string_view message,
                   std::string_view signature) {
  if (!kSodiumReady) return false;
  if (public_key.size() != crypto_sign_PUBLICKEYBYTES || signature.size() != crypto_sign_BYTES) {
    return false;
  }
  return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature.data()),
                                     reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(),
                                     reinterpret_cast<const unsigned char*>(public_key.data())) == 0;
}

PrivateKey::PrivateKey(PrivateKey&&) noexcept = default;
PrivateKey& PrivateKey::operator=(PrivateKey&&) noexcept = default;
PrivateKey::~PrivateKey() {
  if (!seed_.empty()) sodium_memzero(seed_.data(), seed_.size());
  if (!sodium_secret_.empty()) sodium_memzero(sodium_secret_.data(), sodium_secret_.size());
}

StatusOr<std::string> RandomBytes(size_t n) {
  if (!kSodiumReady) return InternalError("libsodium failed to initialise");
  std::string out(n, '\0');
  randombytes_buf(out.data(), out.size());
  return out;
}

StatusOr<PrivateKey> PrivateKey::Generate() {
  ASSIGN_OR_RETURN(std::string seed, RandomBytes(32));
  StatusOr<PrivateKey> key = FromSeed(seed);
  sodium_memzero(seed.data(), seed.size());
  return key;
}

StatusOr<PrivateKey> PrivateKey::FromSeed(std::string_view seed) {
  if (!kSodiumReady) return InternalError("libsodium failed to initialise");
  if (seed.size() != crypto_sign_SEEDBYTES) {
    return InvalidArgumentError("Ed25519 seed must be 32 bytes");
  }
  PrivateKey k;
  k.seed_ = std::string(seed);
  k.public_key_.resize(crypto_sign_PUBLICKEYBYTES);
  k.sodium_secret_.resize(crypto_sign_SECRETKEYBYTES);
  crypto_sign_seed_keypair(reinterpret_cast<unsigned char*>(k.public_key_.data()),
                           reinterpret_cast<unsigned char*>(k.sodium_secret_.data()),
                           reinterpret_cast<const unsigned char*>(seed.data()));
  return k;
}

StatusOr<PrivateKey> PrivateKey::FromPem(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  PkeyPtr pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  if (!pkey) return InvalidArgumentError("not a PEM private key");
  if (EVP_PKEY_get_id(pkey.get()) != EVP_PKEY_ED25519) {
    return InvalidArgumentError("PEM private key is not Ed25519");
  }
  std::string seed(32, '\0');
  size_t len = seed.size();
  if (EVP_PKEY_get_raw_private_key(pkey.get(), reinterpret_cast<unsigned char*>(seed.data()),
                                   &len) != 1 ||
      len != 32) {
    return InvalidArgumentError("cannot read Ed25519 private key");
  }
  return FromSeed(seed);
}

StatusOr<PrivateKey> PrivateKey::LoadPemFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::string pem, ReadFile(path));
  auto k = FromPem(pem);
  if (!k.ok()) return InvalidArgumentError(path + ": " + k.status().message());
  return k;
}

std::string PrivateKey::Sign(std::string_view message) const {
  std::string sig(crypto_sign_BYTES, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       reinterpret_cast<const unsigned char*>(sodium_secret_.data()));
  return sig;
}

std::string PrivateKey::ToPem() const {
  PkeyPtr pkey(EVP_PKEY_new_raw_private_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(seed_.data()), seed_.size()));
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), pkey.get(), nullptr, nullptr, 0, nullptr, nullptr);
  return BioToString(bio.get());
}

std::string PrivateKey::PublicKeyPem() const {
  PkeyPtr pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                           reinterpret_cast<const unsigned char*>(public_key_.data()),
                                           public_key_.size()));
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PUBKEY(bio.get(), pkey.get());
  return BioToString(bio.get());
}

Status PrivateKey::SavePemFile(const std::string& path) const {
  return WriteFileDurably(path, ToPem(), {.mode = 0600});
}

StatusOr<std::string> PublicKeyFromPem(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  PkeyPtr pkey(PEM_read_bio_PUBKEY(bio.get(), nullptr, NoPassphrase, nullptr));
  if (!pkey) {
    auto priv = PrivateKey::FromPem(pem);
    if (priv.ok()) return priv->PublicKeyBytes();
    return InvalidArgumentError("not a PEM public or private key");
  }
  if (EVP_PKEY_get_id(pkey.get()) != EVP_PKEY_ED25519) {
    return InvalidArgumentError("PEM public key is not Ed25519");
  }
  std::string pk(32, '\0');
  size_t len = pk.size();
  if (EVP_PKEY_get_raw_public_key(pkey.get(), reinterpret_cast<unsigned char*>(pk.data()), &len) !=
          1 ||
      len != 32) {
    return InvalidArgumentError("cannot read Ed25519 public key");
  }
  return pk;
}

StatusOr<std::string> LoadPublicKeyFile(const std::string& path) {
  ASSIGN_OR_RETURN(std::string pem, ReadFile(path));
  auto pk = PublicKeyFromPem(pem);
  if (!pk.ok()) return InvalidArgumentError(path + ": " + pk.status().message());
  return pk;
}

}  // namespace ledger
