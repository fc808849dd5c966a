#include "ledger/net/tls_certs.h"
#include "ledger/durable_file.h"
#include "ledger/reasons.h"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>

#include <cstdio>
#include <memory>

namespace ledger::tls {
namespace {

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Free>;
using Cert = std::unique_ptr<X509, Free>;
using Bio = std::unique_ptr<BIO, Free>;

std::string OpensslError() {
  unsigned long e = ERR_get_error();
  if (e == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

Status Fail(const std::string& what) { return InternalError(what + ": " + OpensslError(), reason::kOpenssl); }

StatusOr<Key> NewKey() {
  Key k(EVP_EC_gen("P-256"));
  if (!k) return Fail("generating a P-256 key");
  return k;
}

// Writes PEM produced by `write` to `path` with `mode` (WriteFileDurably).
template <typename WriteFn>
Status WritePem(const std::string& path, mode_t mode, WriteFn write) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || write(bio.get()) != 1) return Fail("encoding " + path);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return WriteFileDurably(path, std::string_view(data, static_cast<size_t>(n)), {.mode = mode});
}

Status Save(const CertKeyPaths& out, X509* cert, EVP_PKEY* key) {
  RETURN_IF_ERROR(WritePem(out.key, 0600, [&](BIO* b) {
    return PEM_write_bio_PrivateKey(b, key, nullptr, nullptr, 0, nullptr, nullptr);
  }));
  return WritePem(out.cert, 0644, [&](BIO* b) { return PEM_write_bio_X509(b, cert); });
}

StatusOr<Cert> LoadCert(const std::string& path) {
  Bio bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) return NotFoundError(fmt::format("CA certificate {} cannot be read", path), reason::kNoCa);
  Cert c(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!c) return InvalidArgumentError(fmt::format("{} is not a PEM certificate", path), reason::kBadCa);
  return c;
}

StatusOr<Key> LoadKey(const std::string& path) {
  Bio bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) return NotFoundError(fmt::format("CA key {} cannot be read", path), reason::kNoCa);
  Key k(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!k) return InvalidArgumentError(fmt::format("{} is not a PEM private key", path), reason::kBadCa);
  return k;
}

// A certificate skeleton: v3, random serial, validity, subject, public key.
StatusOr<Cert> NewCert(EVP_PKEY* key, const std::vector<std::pair<std::string, std::string>>& subject, int days) {
  Cert c(X509_new());
  if (!c) return Fail("X509_new");
  X509_set_version(c.get(), 2);
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) return Fail("serial");
  serial[0] &= 0x7f;  // positive
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(c.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(c.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(c.get()), static_cast<long>(days) * 86400);
  X509_NAME* name = X509_get_subject_name(c.get());
  for (auto& [field, value] : subject) {
    if (X509_NAME_add_entry_by_txt(name, field.c_str(), MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0) != 1) {
      return Fail(fmt::format("subject {}={}", field, value));
    }
  }
  if (X509_set_pubkey(c.get(), key) != 1) return Fail("X509_set_pubkey");
  return c;
}

Status AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, Free> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) return Fail(fmt::format("extension {}", value));
  return OkStatus();
}

Status SignWith(X509* cert, X509* issuer, EVP_PKEY* issuer_key) {
  if (X509_set_issuer_name(cert, X509_get_subject_name(issuer)) != 1) return Fail("issuer");
  if (X509_sign(cert, issuer_key, EVP_sha256()) == 0) return Fail("signing the certificate");
  return OkStatus();
}

bool IsIpAddress(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

// Signs a leaf certificate for `subject` with the CA in `ca`.
Status MakeLeaf(const CertKeyPaths& ca, const CertKeyPaths& out,
                const std::vector<std::pair<std::string, std::string>>& subject,
                const std::vector<std::pair<int, std::string>>& extensions, int days) {
  ASSIGN_OR_RETURN(Cert ca_cert, LoadCert(ca.cert));
  ASSIGN_OR_RETURN(Key ca_key, LoadKey(ca.key));
  ASSIGN_OR_RETURN(Key key, NewKey());
  ASSIGN_OR_RETURN(Cert cert, NewCert(key.get(), subject, days));
  RETURN_IF_ERROR(AddExtension(cert.get(), ca_cert.get(), NID_basic_constraints, "critical,CA:FALSE"));
  RETURN_IF_ERROR(
      AddExtension(cert.get(), ca_cert.get(), NID_key_usage, "critical,digitalSignature,keyEncipherment"));
  RETURN_IF_ERROR(AddExtension(cert.get(), ca_cert.get(), NID_subject_key_identifier, "hash"));
  RETURN_IF_ERROR(AddExtension(cert.get(), ca_cert.get(), NID_authority_key_identifier, "keyid"));
  for (auto& [nid, value] : extensions) RETURN_IF_ERROR(AddExtension(cert.get(), ca_cert.get(), nid, value));
  RETURN_IF_ERROR(SignWith(cert.get(), ca_cert.get(), ca_key.get()));
  return Save(out, cert.get(), key.get());
}

}  // namespace

Status MakeCa(const CertKeyPaths& out, const std::string& common_name, int days) {
  ASSIGN_OR_RETURN(Key key, NewKey());
  ASSIGN_OR_RETURN(Cert cert, NewCert(key.get(), {{"O", "Assistance Ledger"}, {"CN", common_name}}, days));
  RETURN_IF_ERROR(AddExtension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0"));
  RETURN_IF_ERROR(AddExtension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign"));
  RETURN_IF_ERROR(AddExtension(cert.get(), cert.get(), NID_subject_key_identifier, "hash"));
  RETURN_IF_ERROR(SignWith(cert.get(), cert.get(), key.get()));
  return Save(out, cert.get(), key.get());
}

Status MakeServerCert(const CertKeyPaths& ca, const CertKeyPaths& out, const std::vector<std::string>& names,
                      int days) {
  if (names.empty()) return InvalidArgumentError("server certificate: at least one host name or address", reason::kNoNames);
  std::string san;
  for (const std::string& n : names) {
    if (!san.empty()) san += ",";
    san += (IsIpAddress(n) ? "IP:" : "DNS:") + n;
  }
  return MakeLeaf(ca, out, {{"O", "Assistance Ledger"}, {"CN", names.front()}},
                  {{NID_ext_key_usage, "serverAuth"}, {NID_subject_alt_name, san}}, days);
}

Status MakeClientCert(const CertKeyPaths& ca, const CertKeyPaths& out, const std::string& name,
                      const std::string& role, int days) {
  if (role != "agency" && role != "inspector" && role != "mirror" && role != "operator") {
    return InvalidArgumentError(fmt::format("role '{}' is not one of agency, inspector, mirror, operator", role),
                                reason::kBadRole);
  }
  if (name.empty()) return InvalidArgumentError("client certificate: the name (CN) must not be empty", reason::kNoNames);
  return MakeLeaf(ca, out, {{"O", "Assistance Ledger"}, {"OU", role}, {"CN", name}},
                  {{NID_ext_key_usage, "clientAuth"}}, days);
}

}  // namespace ledger::tls
