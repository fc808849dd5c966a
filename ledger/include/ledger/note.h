// C2SP signed-note (https://c2sp.org/signed-note) with Ed25519 signatures
// (algorithm byte 0x01), and C2SP tlog-checkpoint bodies
// (https://c2sp.org/tlog-checkpoint), as used for the ledger's checkpoints
// (DESIGN.md §6):
//
//   <origin>\n<tree size, decimal>\n<base64 RFC 6962 root hash>\n
//   \n
//   — <key name> <base64(4-byte key hash || 64-byte signature)>\n
//
//   key hash      = SHA-256(key name || 0x0A || 0x01 || public key)[0:4]
//   verifier key  = <name>+<8 hex digits of key hash>+<base64(0x01 || public key)>
//
//   NoteSigner signer("ledger.cdd.go.th/sisaket", private_key);
//   std::string note = signer.Sign(FormatCheckpoint({origin, size, root}));
//   ASSIGN_OR_RETURN(NoteVerifier v, NoteVerifier::Parse(vkey_text));
//   ASSIGN_OR_RETURN(OpenedNote n, OpenNote(note, {v}));      // >= 1 known sig
//   ASSIGN_OR_RETURN(Checkpoint c, ParseCheckpoint(n.text));
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/bytes.h"
#include "ledger/crypto.h"
#include "ledger/status.h"

namespace ledger {

// Key hash of an Ed25519 note key: SHA-256(name || "\n" || 0x01 || pk)[0:4].
uint32_t NoteKeyHash(std::string_view name, std::string_view public_key);
// "<name>+<hex key hash>+<base64(0x01 || public key)>"
std::string FormatNoteVerifierKey(std::string_view name, std::string_view public_key);

class NoteVerifier {
 public:
  // Parses "<name>+<hash>+<base64 key>"; rejects wrong length, unknown
  // algorithm, mismatched key hash, bad names.
  static StatusOr<NoteVerifier> Parse(std::string_view vkey);
  // `name` should be a valid key name and `public_key` 32 raw bytes; the key
  // hash is computed from them.
  NoteVerifier(std::string name, std::string public_key);

  const std::string& name() const { return name_; }
  uint32_t key_hash() const { return key_hash_; }
  const std::string& public_key() const { return public_key_; }
  // True iff `signature` (64 bytes, without the key hash) signs `text`.
  bool Verify(std::string_view text, std::string_view signature) const;
  // The "<name>+<hash>+<base64 key>" form accepted by Parse.
  std::string ToString() const;

 private:
  std::string name_;
  std::string public_key_;
  uint32_t key_hash_ = 0;
};

class NoteSigner {
 public:
  NoteSigner(std::string name, const PrivateKey& key);
  // Parses a C2SP private key "PRIVATE+KEY+<name>+<hash>+<base64(0x01||seed)>";
  // the hash must match the derived public key. Errors never quote the key.
  static StatusOr<NoteSigner> ParsePrivateKey(std::string_view skey);

  const std::string& name() const { return name_; }
  NoteVerifier verifier() const;
  // `text` must end in "\n" and hold no blank line; returns the signed note.
  // Also rejects invalid UTF-8 and control characters other than "\n".
  StatusOr<std::string> Sign(std::string_view text) const;

 private:
  std::string name_;
  // Owned copy of the key (PrivateKey is move-only).
  std::shared_ptr<const PrivateKey> key_;
};

struct NoteSignature {
  std::string name;
  uint32_t key_hash = 0;
  std::string signature;  // without the 4-byte key hash
};

struct OpenedNote {
  std::string text;                          // the signed text, ending in "\n"
  std::vector<NoteSignature> verified;       // by a known verifier
  std::vector<NoteSignature> unverified;     // from keys we do not know (ignored)
};

// Parses and verifies a signed note. Fails (InvalidArgument) on a malformed
// note, or when a signature from a known key (same name and key hash) does
// not verify; fails (PermissionDenied) when no known key signed it.
// Signatures from unknown keys are kept in `unverified` and otherwise ignored.
StatusOr<OpenedNote> OpenNote(std::string_view note,
                              const std::vector<NoteVerifier>& known);

// The text a signed note signs (everything up to its blank line), without
// checking a signature: for notes this process stored itself. nullopt when
// there is no signature block. OpenNote is the check for notes from others.
std::optional<std::string_view> SignedNoteText(std::string_view note);

struct Checkpoint {
  std::string origin;
  uint64_t size = 0;
  Hash root{};
  // Extra body lines, kept verbatim, each without its "\n" and non-empty.
  std::vector<std::string> extensions;
};

// "<origin>\n<size>\n<base64 root>\n" plus one "<extension>\n" per extension.
std::string FormatCheckpoint(const Checkpoint& c);
// Parses a checkpoint body (the text of an opened note). InvalidArgument
// unless: it ends in "\n"; the origin is non-empty; the size is decimal, fits
// uint64, without leading zeros (except "0"); the root is strict base64 of 32
// bytes; extension lines are non-empty.
StatusOr<Checkpoint> ParseCheckpoint(std::string_view text);

}  // namespace ledger
