// SHA-256 (OpenSSL EVP) and Ed25519 keys: signing and PEM via OpenSSL 3,
// verification via libsodium (about 1.7x faster here, DESIGN.md §3).
//
//   Hash h = Sha256(bytes);
//   Sha256Hasher hs; hs.Update(a); hs.Update(b); Hash h2 = hs.Finish();
//   ASSIGN_OR_RETURN(PrivateKey k, PrivateKey::Generate());
//   std::string sig = k.Sign(message);          // 64 bytes
//   bool ok = Ed25519Verify(k.PublicKeyBytes(), message, sig);
//
// Thread-safety: PrivateKey is immutable after construction and safe to use
// from several threads; Sha256Hasher is not.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "ledger/bytes.h"
#include "ledger/status.h"

namespace ledger {

Hash Sha256(std::span<const uint8_t> data);
inline Hash Sha256(std::string_view data) { return Sha256(AsBytes(data)); }

// Incremental SHA-256. Reusable after Finish() (it resets).
class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;

  void Update(std::span<const uint8_t> data);
  void Update(std::string_view data) { Update(AsBytes(data)); }
  void Update(uint8_t byte) { Update(std::span<const uint8_t>(&byte, 1)); }
  Hash Finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// HMAC-SHA-256, used for keyed hashes of citizen IDs (PDPA: never in clear).
Hash HmacSha256(std::string_view key, std::string_view message);

inline constexpr size_t kEd25519PublicKeySize = 32;
inline constexpr size_t kEd25519SignatureSize = 64;

// True iff `signature` is a valid Ed25519 signature of `message` by `public_key`.
bool Ed25519Verify(std::string_view public_key, std::string_view message,
                   std::string_view signature);

// `n` bytes from libsodium's CSPRNG (randombytes_buf: getrandom(2)), for
// keys and secrets.
StatusOr<std::string> RandomBytes(size_t n);

class PrivateKey {
 public:
  // A fresh key from RandomBytes(32).
  static StatusOr<PrivateKey> Generate();
  // From the 32-byte Ed25519 seed.
  static StatusOr<PrivateKey> FromSeed(std::string_view seed);
  static StatusOr<PrivateKey> FromPem(std::string_view pem);
  static StatusOr<PrivateKey> LoadPemFile(const std::string& path);

  PrivateKey(PrivateKey&&) noexcept;
  PrivateKey& operator=(PrivateKey&&) noexcept;
  ~PrivateKey();

  // 64-byte Ed25519 signature.
  std::string Sign(std::string_view message) const;
  // 32 raw bytes.
  const std::string& PublicKeyBytes() const { return public_key_; }
  const std::string& Seed() const { return seed_; }
  std::string ToPem() const;           // PKCS#8 "PRIVATE KEY"
  std::string PublicKeyPem() const;    // SPKI "PUBLIC KEY"
  // Writes the PEM with mode 0600 (WriteFileDurably: a file already there is
  // replaced atomically and becomes 0600 too).
  Status SavePemFile(const std::string& path) const;

 private:
  PrivateKey() = default;
  std::string seed_;
  std::string public_key_;
  std::string sodium_secret_;  // libsodium's 64-byte secret key (seed || pk)
};

// Raw 32-byte public key from a SPKI PEM ("PUBLIC KEY") or a private key PEM.
StatusOr<std::string> PublicKeyFromPem(std::string_view pem);
StatusOr<std::string> LoadPublicKeyFile(const std::string& path);

}  // namespace ledger
