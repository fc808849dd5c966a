// C2SP signed-note and tlog-checkpoint (see ledger/note.h). The parsing rules
// follow golang.org/x/mod/sumdb/note, with two deliberate tightenings:
//   * the note text may not contain a blank line (x/mod only forbids it
//     implicitly, by splitting at the last blank line), so Sign and OpenNote
//     agree on what a well-formed text is;
//   * every signature from a known key is verified, including repeats by the
//     same key (x/mod skips repeats unchecked).
// Base64 is decoded strictly (padded, canonical, no whitespace).
#include "ledger/note.h"
#include "ledger/reasons.h"
#include "ledger/utf8.h"

#include <algorithm>
#include <utility>

namespace ledger {
namespace {

constexpr uint8_t kAlgEd25519 = 0x01;
constexpr size_t kMaxSignatures = 100;
// "— " : U+2014 EM DASH, then a space.
constexpr std::string_view kSigPrefix = "\xE2\x80\x94 ";

Status Malformed(std::string why) {
  return InvalidArgumentError("malformed note: " + why, reason::kMalformedNote);
}
Status BadKey(std::string why) { return InvalidArgumentError(why, reason::kBadNoteKey); }
Status BadCheckpoint(std::string why) {
  return InvalidArgumentError("malformed checkpoint: " + why, reason::kBadCheckpoint);
}

// Go's unicode.IsSpace.
bool IsUnicodeSpace(int32_t r) {
  switch (r) {
    case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029:
    case 0x202F: case 0x205F: case 0x3000:
      return true;
    default:
      return r >= 0x2000 && r <= 0x200A;
  }
}

// True iff `s` is valid UTF-8 holding no ASCII control character other than
// '\n' (the rule x/mod applies to a whole signed note).
bool IsCleanText(std::string_view s) {
  while (!s.empty()) {
    auto [r, n] = DecodeRune(s);
    if (r < 0 || (r < 0x20 && r != '\n')) return false;
    s.remove_prefix(n);
  }
  return true;
}

// A key name: non-empty valid UTF-8, no '+', no (Unicode) space and no
// control character.
bool IsValidName(std::string_view name) {
  if (name.empty()) return false;
  while (!name.empty()) {
    auto [r, n] = DecodeRune(name);
    if (r < 0 || r < 0x20 || r == '+' || IsUnicodeSpace(r)) return false;
    name.remove_prefix(n);
  }
  return true;
}

// Checks a note text: non-empty, ends in "\n", no blank line, clean UTF-8.
Status CheckNoteText(std::string_view text) {
  if (text.empty() || text.back() != '\n') return Malformed("text must end with a newline");
  if (text.front() == '\n' || text.find("\n\n") != std::string_view::npos) {
    return Malformed("text must not contain a blank line");
  }
  if (!IsCleanText(text)) return Malformed("text is not clean UTF-8");
  return OkStatus();
}

// Splits `s` at the first `sep`: {before, after}; {s, ""} if absent.
std::pair<std::string_view, std::string_view> Chop(std::string_view s, char sep) {
  size_t i = s.find(sep);
  if (i == std::string_view::npos) return {s, {}};
  return {s.substr(0, i), s.substr(i + 1)};
}

// Exactly 8 hex digits (either case) -> uint32.
bool ParseKeyHash(std::string_view hex, uint32_t* out) {
  if (hex.size() != 8) return false;
  uint32_t v = 0;
  for (char c : hex) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    } else {
      return false;
    }
    v = (v << 4) | static_cast<uint32_t>(d);
  }
  *out = v;
  return true;
}

std::string KeyHashHex(uint32_t h) {
  const uint8_t be[4] = {static_cast<uint8_t>(h >> 24), static_cast<uint8_t>(h >> 16),
                         static_cast<uint8_t>(h >> 8), static_cast<uint8_t>(h)};
  return ToHex(std::span<const uint8_t>(be, 4));
}

uint32_t ReadBigEndian32(std::string_view b) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(b[i]);
  return v;
}

}  // namespace

uint32_t NoteKeyHash(std::string_view name, std::string_view public_key) {
  Sha256Hasher h;
  h.Update(name);
  h.Update(static_cast<uint8_t>('\n'));
  h.Update(kAlgEd25519);
  h.Update(public_key);
  Hash d = h.Finish();
  return ReadBigEndian32(AsStringView(std::span<const uint8_t>(d.data(), 4)));
}

std::string FormatNoteVerifierKey(std::string_view name, std::string_view public_key) {
  std::string key(1, static_cast<char>(kAlgEd25519));
  key.append(public_key);
  std::string out(name);
  out += '+';
  out += KeyHashHex(NoteKeyHash(name, public_key));
  out += '+';
  out += ToBase64(key);
  return out;
}

NoteVerifier::NoteVerifier(std::string name, std::string public_key)
    : name_(std::move(name)),
      public_key_(std::move(public_key)),
      key_hash_(NoteKeyHash(name_, public_key_)) {}

StatusOr<NoteVerifier> NoteVerifier::Parse(std::string_view vkey) {
  auto [name, rest] = Chop(vkey, '+');
  auto [hash_hex, key_b64] = Chop(rest, '+');
  uint32_t hash = 0;
  if (!IsValidName(name)) return BadKey("verifier key: invalid name");
  if (!ParseKeyHash(hash_hex, &hash)) return BadKey("verifier key: key hash must be 8 hex digits");
  auto key = FromBase64(key_b64);
  if (!key.ok() || key->empty()) return BadKey("verifier key: bad base64 key");
  if (static_cast<uint8_t>((*key)[0]) != kAlgEd25519) {
    return BadKey("verifier key: unknown algorithm");
  }
  if (key->size() != 1 + kEd25519PublicKeySize) {
    return BadKey("verifier key: Ed25519 key must be 32 bytes");
  }
  NoteVerifier v(std::string(name), key->substr(1));
  if (v.key_hash() != hash) return BadKey("verifier key: key hash does not match the key");
  return v;
}

bool NoteVerifier::Verify(std::string_view text, std::string_view signature) const {
  return Ed25519Verify(public_key_, text, signature);
}

std::string NoteVerifier::ToString() const { return FormatNoteVerifierKey(name_, public_key_); }

NoteSigner::NoteSigner(std::string name, const PrivateKey& key) : name_(std::move(name)) {
  // Re-deriving from the seed of an existing key cannot fail; if it ever
  // did, key_ stays null and Sign reports it.
  auto copy = PrivateKey::FromSeed(key.Seed());
  if (copy.ok()) key_ = std::make_shared<const PrivateKey>(std::move(copy).value());
}

StatusOr<NoteSigner> NoteSigner::ParsePrivateKey(std::string_view skey) {
  // Error messages never quote `skey`: it is secret.
  auto [priv1, r1] = Chop(skey, '+');
  auto [priv2, r2] = Chop(r1, '+');
  auto [name, r3] = Chop(r2, '+');
  auto [hash_hex, key_b64] = Chop(r3, '+');
  if (priv1 != "PRIVATE" || priv2 != "KEY") {
    return BadKey("private key: missing PRIVATE+KEY+ prefix");
  }
  if (!IsValidName(name)) return BadKey("private key: invalid name");
  uint32_t hash = 0;
  if (!ParseKeyHash(hash_hex, &hash)) return BadKey("private key: key hash must be 8 hex digits");
  auto key = FromBase64(key_b64);
  if (!key.ok() || key->empty()) return BadKey("private key: bad base64 key");
  if (static_cast<uint8_t>((*key)[0]) != kAlgEd25519) {
    return BadKey("private key: unknown algorithm");
  }
  if (key->size() != 1 + 32) return BadKey("private key: Ed25519 seed must be 32 bytes");
  auto pk = PrivateKey::FromSeed(std::string_view(*key).substr(1));
  std::fill(key->begin(), key->end(), '\0');
  if (!pk.ok()) return pk.status();
  if (NoteKeyHash(name, pk->PublicKeyBytes()) != hash) {
    return BadKey("private key: key hash does not match the key");
  }
  return NoteSigner(std::string(name), *pk);
}

NoteVerifier NoteSigner::verifier() const {
  return NoteVerifier(name_, key_ ? key_->PublicKeyBytes() : std::string());
}

StatusOr<std::string> NoteSigner::Sign(std::string_view text) const {
  if (!key_) return InternalError("note signer has no key");
  if (!IsValidName(name_)) {
    return InvalidArgumentError("invalid note signer name '" + name_ + "'", reason::kBadNoteKey);
  }
  RETURN_IF_ERROR(CheckNoteText(text));
  std::string sig;
  sig.reserve(4 + kEd25519SignatureSize);
  const uint32_t hash = NoteKeyHash(name_, key_->PublicKeyBytes());
  for (int shift = 24; shift >= 0; shift -= 8) sig.push_back(static_cast<char>(hash >> shift));
  sig += key_->Sign(text);

  std::string note(text);
  note += '\n';
  note += kSigPrefix;
  note += name_;
  note += ' ';
  note += ToBase64(sig);
  note += '\n';
  return note;
}

std::optional<std::string_view> SignedNoteText(std::string_view note) {
  // The text never holds a blank line (CheckNoteText), so the first one ends it.
  const size_t blank = note.find("\n\n");
  if (blank == std::string_view::npos) return std::nullopt;
  return note.substr(0, blank + 1);
}

StatusOr<OpenedNote> OpenNote(std::string_view note, const std::vector<NoteVerifier>& known) {
  if (!IsCleanText(note)) return Malformed("not clean UTF-8");
  const size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) return Malformed("no signature block");
  std::string_view text = note.substr(0, split + 1);
  std::string_view sigs = note.substr(split + 2);
  if (sigs.empty() || sigs.back() != '\n') return Malformed("signature block must end with a newline");
  RETURN_IF_ERROR(CheckNoteText(text));

  OpenedNote out;
  out.text = std::string(text);
  std::vector<std::string_view> seen_unverified;  // whole lines
  size_t count = 0;
  while (!sigs.empty()) {
    const size_t nl = sigs.find('\n');  // found: sigs ends in '\n'
    std::string_view line = sigs.substr(0, nl);
    sigs.remove_prefix(nl + 1);

    if (!line.starts_with(kSigPrefix)) return Malformed("signature line must start with \"— \"");
    line.remove_prefix(kSigPrefix.size());
    auto [name, b64] = Chop(line, ' ');
    if (!IsValidName(name)) return Malformed("invalid key name in signature line");
    auto raw = FromBase64(b64);
    if (b64.empty() || !raw.ok() || raw->size() < 5) return Malformed("bad signature encoding");
    if (++count > kMaxSignatures) return Malformed("more than 100 signatures");

    NoteSignature sig;
    sig.name = std::string(name);
    sig.key_hash = ReadBigEndian32(*raw);
    sig.signature = raw->substr(4);

    const NoteVerifier* verifier = nullptr;
    for (const NoteVerifier& v : known) {
      if (v.name() != name || v.key_hash() != sig.key_hash) continue;
      if (verifier != nullptr && verifier->public_key() != v.public_key()) {
        return InvalidArgumentError(
            "ambiguous known keys for " + sig.name + "+" + KeyHashHex(sig.key_hash), reason::kBadNoteKey);
      }
      verifier = &v;
    }

    if (verifier == nullptr) {
      bool repeat = false;
      for (std::string_view l : seen_unverified) repeat = repeat || l == line;
      if (!repeat) {
        seen_unverified.push_back(line);
        out.unverified.push_back(std::move(sig));
      }
      continue;
    }
    // Skip an exact repeat of an already verified signature; anything else
    // from a known key must verify.
    bool repeat = false;
    for (const NoteSignature& s : out.verified) {
      repeat = repeat || (s.name == sig.name && s.key_hash == sig.key_hash &&
                          s.signature == sig.signature);
    }
    if (repeat) continue;
    if (!verifier->Verify(text, sig.signature)) {
      return InvalidArgumentError(
          "invalid signature for key " + sig.name + "+" + KeyHashHex(sig.key_hash),
          reason::kBadSignature);
    }
    bool have_key = false;
    for (const NoteSignature& s : out.verified) {
      have_key = have_key || (s.name == sig.name && s.key_hash == sig.key_hash);
    }
    if (!have_key) out.verified.push_back(std::move(sig));
  }
  if (out.verified.empty()) {
    return PermissionDeniedError("note has no signature from a known key", reason::kUnverifiedNote);
  }
  return out;
}

std::string FormatCheckpoint(const Checkpoint& c) {
  std::string out = c.origin;
  out += '\n';
  out += std::to_string(c.size);
  out += '\n';
  out += ToBase64(c.root);
  out += '\n';
  for (const std::string& ext : c.extensions) {
    out += ext;
    out += '\n';
  }
  return out;
}

StatusOr<Checkpoint> ParseCheckpoint(std::string_view text) {
  if (text.empty() || text.back() != '\n') return BadCheckpoint("must end with a newline");
  std::vector<std::string_view> lines;
  for (std::string_view rest = text; !rest.empty();) {
    const size_t nl = rest.find('\n');
    lines.push_back(rest.substr(0, nl));
    rest.remove_prefix(nl + 1);
  }
  if (lines.size() < 3) return BadCheckpoint("needs origin, size and root hash lines");

  Checkpoint c;
  if (lines[0].empty()) return BadCheckpoint("empty origin");
  c.origin = std::string(lines[0]);

  std::string_view size = lines[1];
  if (size.empty() || (size.size() > 1 && size[0] == '0')) {
    return BadCheckpoint("tree size must be a decimal number without leading zeros");
  }
  uint64_t n = 0;
  for (char ch : size) {
    if (ch < '0' || ch > '9') return BadCheckpoint("tree size must be a decimal number");
    const uint64_t d = static_cast<uint64_t>(ch - '0');
    if (n > (UINT64_MAX - d) / 10) return BadCheckpoint("tree size overflows uint64");
    n = n * 10 + d;
  }
  c.size = n;

  auto root = FromBase64(lines[2]);
  if (!root.ok()) return BadCheckpoint("root hash is not valid base64");
  auto hash = HashFromBytes(AsBytes(*root));
  if (!hash.ok()) return BadCheckpoint("root hash must be 32 bytes");
  c.root = *hash;

  for (size_t i = 3; i < lines.size(); ++i) {
    if (lines[i].empty()) return BadCheckpoint("empty extension line");
    c.extensions.emplace_back(lines[i]);
  }
  return c;
}

}  // namespace ledger
