// Tests for ledger/note.h against the published C2SP signed-note and
// tlog-checkpoint vectors in tests/testdata/signed_note_vectors.json, plus
// round trips with fresh keys and tampering.
#include "ledger/note.h"

#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace ledger {
namespace {

using nlohmann::json;

const json& Vectors() {
  static const json* v = [] {
    std::ifstream in(std::string(LEDGER_TESTDATA_DIR) + "/signed_note_vectors.json");
    EXPECT_TRUE(in) << "cannot open signed_note_vectors.json";
    std::stringstream ss;
    ss << in.rdbuf();
    return new json(json::parse(ss.str()));
  }();
  return *v;
}

std::vector<NoteVerifier> ParseVerifiers(const json& vkeys) {
  std::vector<NoteVerifier> out;
  for (const auto& k : vkeys) {
    auto v = NoteVerifier::Parse(k.get<std::string>());
    EXPECT_TRUE(v.ok()) << k << ": " << v.status().ToString();
    if (v.ok()) out.push_back(*v);
  }
  return out;
}

std::vector<std::string> Names(const std::vector<NoteSignature>& sigs) {
  std::vector<std::string> out;
  for (const auto& s : sigs) out.push_back(s.name);
  return out;
}

Hash RootFromBase64(const std::string& b64) {
  auto raw = FromBase64(b64);
  EXPECT_TRUE(raw.ok());
  auto h = HashFromBytes(AsBytes(*raw));
  EXPECT_TRUE(h.ok());
  return *h;
}

// The signature block of `note` (everything after the separating blank line).
std::string SignatureLines(const std::string& note) {
  size_t split = note.rfind("\n\n");
  return split == std::string::npos ? std::string() : note.substr(split + 2);
}

TEST(NoteVectors, VerifyOk) {
  const auto& cases = Vectors().at("verify_ok");
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    SCOPED_TRACE(c.at("desc").get<std::string>());
    auto known = ParseVerifiers(c.at("vkeys"));
    auto opened = OpenNote(c.at("note").get<std::string>(), known);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    EXPECT_EQ(Names(opened->verified), c.at("want_verified").get<std::vector<std::string>>());
    EXPECT_EQ(Names(opened->unverified), c.at("want_unverified").get<std::vector<std::string>>());
    for (const auto& s : opened->verified) EXPECT_EQ(s.signature.size(), 64u);
    const std::string& note = c.at("note").get_ref<const std::string&>();
    EXPECT_EQ(opened->text, note.substr(0, note.rfind("\n\n") + 1));
    if (c.contains("checkpoint")) {
      const auto& want = c.at("checkpoint");
      auto cp = ParseCheckpoint(opened->text);
      ASSERT_TRUE(cp.ok()) << cp.status().ToString();
      EXPECT_EQ(cp->origin, want.at("origin").get<std::string>());
      EXPECT_EQ(cp->size, want.at("size").get<uint64_t>());
      EXPECT_EQ(cp->root, RootFromBase64(want.at("root_hash_b64").get<std::string>()));
      EXPECT_TRUE(cp->extensions.empty());
      EXPECT_EQ(FormatCheckpoint(*cp), opened->text);
    }
  }
}

TEST(NoteVectors, VerifyFail) {
  const auto& cases = Vectors().at("verify_fail");
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    const std::string desc = c.at("desc").get<std::string>();
    SCOPED_TRACE(desc);
    auto known = ParseVerifiers(c.at("vkeys"));
    auto opened = OpenNote(c.at("note").get<std::string>(), known);
    ASSERT_FALSE(opened.ok());
    // A well-formed note without a known signer is PermissionDenied; a
    // malformed note or a bad signature by a known key is InvalidArgument.
    const StatusCode want = desc == "no known signatures" ? StatusCode::kPermissionDenied
                                                          : StatusCode::kInvalidArgument;
    EXPECT_EQ(opened.status().code(), want) << opened.status().ToString();
  }
}

TEST(NoteVectors, BadMessageRawBytes) {
  const auto& cases = Vectors().at("bad_msg_raw_hex");
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    SCOPED_TRACE(c.at("desc").get<std::string>());
    auto raw = FromHex(c.at("note_hex").get<std::string>());
    ASSERT_TRUE(raw.ok());
    auto opened = OpenNote(*raw, ParseVerifiers(c.at("vkeys")));
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(NoteVectors, SignIsDeterministic) {
  const auto& cases = Vectors().at("sign");
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    SCOPED_TRACE(c.at("desc").get<std::string>());
    auto signer = NoteSigner::ParsePrivateKey(c.at("skey").get<std::string>());
    ASSERT_TRUE(signer.ok()) << signer.status().ToString();
    auto note = signer->Sign(c.at("text").get<std::string>());
    ASSERT_TRUE(note.ok()) << note.status().ToString();
    EXPECT_EQ(*note, c.at("want").get<std::string>());
    auto opened = OpenNote(*note, {signer->verifier()});
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    EXPECT_EQ(opened->text, c.at("text").get<std::string>());
  }
}

TEST(NoteVectors, KeyPairs) {
  const auto& cases = Vectors().at("key_pairs");
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    const std::string vkey = c.at("vkey").get<std::string>();
    SCOPED_TRACE(vkey);
    auto signer = NoteSigner::ParsePrivateKey(c.at("skey").get<std::string>());
    ASSERT_TRUE(signer.ok()) << signer.status().ToString();
    EXPECT_EQ(signer->verifier().ToString(), vkey);
    auto v = NoteVerifier::Parse(vkey);
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    EXPECT_EQ(v->name(), signer->name());
    EXPECT_EQ(v->public_key(), signer->verifier().public_key());
    // The parsed verifier accepts what the parsed signer signs.
    auto note = signer->Sign("hello\n");
    ASSERT_TRUE(note.ok());
    EXPECT_TRUE(OpenNote(*note, {*v}).ok());
  }
}

TEST(NoteVectors, GoodVerifierKeys) {
  const auto& keys = Vectors().at("good_vkeys");
  ASSERT_FALSE(keys.empty());
  for (const auto& k : keys) {
    const std::string vkey = k.get<std::string>();
    auto v = NoteVerifier::Parse(vkey);
    ASSERT_TRUE(v.ok()) << vkey << ": " << v.status().ToString();
    EXPECT_EQ(v->ToString(), vkey);
    EXPECT_EQ(v->public_key().size(), kEd25519PublicKeySize);
    EXPECT_EQ(vkey.substr(0, v->name().size() + 1), v->name() + "+");
  }
}

TEST(NoteVectors, BadVerifierKeys) {
  const auto& cases = Vectors().at("bad_vkeys");
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    SCOPED_TRACE(c.at("why").get<std::string>());
    auto v = NoteVerifier::Parse(c.at("vkey").get<std::string>());
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(NoteVectors, CheckpointSpecExample) {
  const auto& c = Vectors().at("checkpoint_spec_example");
  const std::string note = c.at("note").get<std::string>();
  // No verifier key is published for it: well-formed but unverified.
  auto opened = OpenNote(note, {});
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kPermissionDenied);

  const std::string body = note.substr(0, note.rfind("\n\n") + 1);
  auto cp = ParseCheckpoint(body);
  ASSERT_TRUE(cp.ok()) << cp.status().ToString();
  EXPECT_EQ(cp->origin, c.at("origin").get<std::string>());
  EXPECT_EQ(cp->size, c.at("size").get<uint64_t>());
  EXPECT_EQ(cp->root, RootFromBase64(c.at("root_hash_b64").get<std::string>()));
  EXPECT_EQ(FormatCheckpoint(*cp), body);
}

class NoteRoundTrip : public ::testing::Test {
 protected:
  void SetUp() override {
    auto k = PrivateKey::Generate();
    ASSERT_TRUE(k.ok());
    signer_ = std::make_unique<NoteSigner>("ledger.cdd.go.th/sisaket", *k);
    checkpoint_.origin = "ledger.cdd.go.th/sisaket";
    checkpoint_.size = 1234567;
    checkpoint_.root = Sha256("root");
  }

  std::unique_ptr<NoteSigner> signer_;
  Checkpoint checkpoint_;
};

TEST_F(NoteRoundTrip, SignOpenParse) {
  const std::string text = FormatCheckpoint(checkpoint_);
  EXPECT_EQ(text, "ledger.cdd.go.th/sisaket\n1234567\n" + ToBase64(checkpoint_.root) + "\n");
  auto note = signer_->Sign(text);
  ASSERT_TRUE(note.ok()) << note.status().ToString();

  // Through the published verifier-key text, as a client would.
  const std::string vkey = signer_->verifier().ToString();
  EXPECT_EQ(vkey.rfind("ledger.cdd.go.th/sisaket+", 0), 0u);
  auto v = NoteVerifier::Parse(vkey);
  ASSERT_TRUE(v.ok()) << v.status().ToString();

  auto opened = OpenNote(*note, {*v});
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->text, text);
  ASSERT_EQ(opened->verified.size(), 1u);
  EXPECT_EQ(opened->verified[0].name, "ledger.cdd.go.th/sisaket");
  EXPECT_EQ(opened->verified[0].key_hash, v->key_hash());
  EXPECT_TRUE(opened->unverified.empty());

  auto cp = ParseCheckpoint(opened->text);
  ASSERT_TRUE(cp.ok()) << cp.status().ToString();
  EXPECT_EQ(cp->origin, checkpoint_.origin);
  EXPECT_EQ(cp->size, checkpoint_.size);
  EXPECT_EQ(cp->root, checkpoint_.root);
}

TEST_F(NoteRoundTrip, ExtensionLinesSurvive) {
  checkpoint_.extensions = {"extension one", "— looks like a sig but is body"};
  const std::string text = FormatCheckpoint(checkpoint_);
  auto note = signer_->Sign(text);
  ASSERT_TRUE(note.ok());
  auto opened = OpenNote(*note, {signer_->verifier()});
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  auto cp = ParseCheckpoint(opened->text);
  ASSERT_TRUE(cp.ok());
  EXPECT_EQ(cp->extensions, checkpoint_.extensions);
}

TEST_F(NoteRoundTrip, UnknownCosignatureIsIgnored) {
  const std::string text = FormatCheckpoint(checkpoint_);
  auto note = signer_->Sign(text);
  ASSERT_TRUE(note.ok());
  auto wk = PrivateKey::Generate();
  ASSERT_TRUE(wk.ok());
  NoteSigner witness("witness.example.org", *wk);
  auto wnote = witness.Sign(text);
  ASSERT_TRUE(wnote.ok());
  const std::string cosigned = *note + SignatureLines(*wnote);

  auto opened = OpenNote(cosigned, {signer_->verifier()});
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(Names(opened->verified), std::vector<std::string>{"ledger.cdd.go.th/sisaket"});
  ASSERT_EQ(opened->unverified.size(), 1u);
  EXPECT_EQ(opened->unverified[0].name, "witness.example.org");
  EXPECT_EQ(opened->unverified[0].key_hash, witness.verifier().key_hash());

  // Knowing both keys verifies both, in note order.
  auto both = OpenNote(cosigned, {witness.verifier(), signer_->verifier()});
  ASSERT_TRUE(both.ok()) << both.status().ToString();
  EXPECT_EQ(Names(both->verified),
            (std::vector<std::string>{"ledger.cdd.go.th/sisaket", "witness.example.org"}));

  // Knowing only the witness still opens it (the log signature is unknown).
  auto witness_only = OpenNote(cosigned, {witness.verifier()});
  ASSERT_TRUE(witness_only.ok());
  EXPECT_EQ(Names(witness_only->unverified),
            std::vector<std::string>{"ledger.cdd.go.th/sisaket"});
}

TEST_F(NoteRoundTrip, SameNameDifferentKeyIsUnknown) {
  auto note = signer_->Sign(FormatCheckpoint(checkpoint_));
  ASSERT_TRUE(note.ok());
  auto other = PrivateKey::Generate();
  ASSERT_TRUE(other.ok());
  NoteSigner impostor(signer_->name(), *other);
  // The verifier's key hash differs, so the log's signature is not "known".
  auto opened = OpenNote(*note, {impostor.verifier()});
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kPermissionDenied);
}

TEST_F(NoteRoundTrip, TamperingIsDetected) {
  const std::string text = FormatCheckpoint(checkpoint_);
  auto note = signer_->Sign(text);
  ASSERT_TRUE(note.ok());
  const std::vector<NoteVerifier> known = {signer_->verifier()};
  const std::string sigs = SignatureLines(*note);

  auto expect_bad = [&](const std::string& tampered_text, const char* what) {
    SCOPED_TRACE(what);
    auto opened = OpenNote(tampered_text + "\n" + sigs, known);
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(opened.status().reason(), "BAD_SIGNATURE");
  };

  Checkpoint c = checkpoint_;
  c.size = checkpoint_.size + 1;
  expect_bad(FormatCheckpoint(c), "size");
  c = checkpoint_;
  c.root[31] ^= 1;
  expect_bad(FormatCheckpoint(c), "root");
  c = checkpoint_;
  c.origin = "ledger.cdd.go.th/other";
  expect_bad(FormatCheckpoint(c), "origin");
  c = checkpoint_;
  c.extensions = {"appended"};
  expect_bad(FormatCheckpoint(c), "extra line");

  // A flipped bit in the signature itself.
  auto raw = FromBase64(sigs.substr(sigs.rfind(' ') + 1, sigs.size() - sigs.rfind(' ') - 2));
  ASSERT_TRUE(raw.ok());
  (*raw)[10] ^= 0x01;
  const std::string bad_sig_line =
      sigs.substr(0, sigs.rfind(' ') + 1) + ToBase64(*raw) + "\n";
  auto opened = OpenNote(text + "\n" + bad_sig_line, known);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().reason(), "BAD_SIGNATURE");

  // A repeated line with a different, bad signature by the same key is not
  // skipped: the whole note is rejected.
  opened = OpenNote(*note + bad_sig_line, known);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kInvalidArgument);

  // An exact duplicate of a good signature line is harmless.
  opened = OpenNote(*note + sigs, known);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->verified.size(), 1u);
}

TEST_F(NoteRoundTrip, MalformedNotes) {
  const std::string text = FormatCheckpoint(checkpoint_);
  auto note = signer_->Sign(text);
  ASSERT_TRUE(note.ok());
  const std::string sigs = SignatureLines(*note);
  const std::vector<NoteVerifier> known = {signer_->verifier()};
  const std::string name = signer_->name();
  const std::string b64 = sigs.substr(sigs.rfind(' ') + 1, sigs.size() - sigs.rfind(' ') - 2);

  const std::vector<std::pair<std::string, std::string>> bad = {
      {"empty", ""},
      {"blank line inside text", "a\n\nb\n\n" + sigs},
      {"leading blank line", "\n" + *note},
      {"only signatures", "\n" + sigs},
      {"hyphen instead of em dash", text + "\n- " + name + " " + b64 + "\n"},
      {"missing space after dash", text + "\n\xE2\x80\x94" + name + " " + b64 + "\n"},
      {"no base64", text + "\n\xE2\x80\x94 " + name + "\n"},
      {"empty base64", text + "\n\xE2\x80\x94 " + name + " \n"},
      {"short signature", text + "\n\xE2\x80\x94 " + name + " AAAAAA==\n"},
      {"unpadded base64", text + "\n\xE2\x80\x94 " + name + " " +
                              b64.substr(0, b64.find('=')) + "\n"},
      {"plus in name", text + "\n\xE2\x80\x94 a+b " + b64 + "\n"},
      {"NBSP in name", text + "\n\xE2\x80\x94 a\xC2\xA0" "b " + b64 + "\n"},
      {"overlong UTF-8", "\xC0\xAF" + *note},
      {"surrogate", "\xED\xA0\x80" + *note},
      {"truncated UTF-8", "\xE2\x80" + *note},
      {"tab", "\t" + *note},
      {"CR", text.substr(0, text.size() - 1) + "\r\n\n" + sigs},
      {"trailing blank line", *note + "\n"},
  };
  for (const auto& [what, n] : bad) {
    SCOPED_TRACE(what);
    auto opened = OpenNote(n, known);
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.status().code(), StatusCode::kInvalidArgument)
        << opened.status().ToString();
  }

  // Exactly 100 signatures is fine; 101 is not.
  std::string many = *note;
  for (int i = 1; i < 100; ++i) many += sigs;
  EXPECT_TRUE(OpenNote(many, known).ok());
  EXPECT_FALSE(OpenNote(many + sigs, known).ok());

  // Valid non-ASCII text is fine.
  auto thai = signer_->Sign("ศรีสะเกษ \xEF\xBF\xBD\n");
  ASSERT_TRUE(thai.ok()) << thai.status().ToString();
  EXPECT_TRUE(OpenNote(*thai, known).ok());
}

TEST_F(NoteRoundTrip, SignRejectsBadText) {
  for (const std::string& text : std::vector<std::string>{"", "no newline", "a\n\nb\n", "\n", "\na\n", "a\x01\n",
                                 "\xFF\n"}) {
    SCOPED_TRACE(text);
    auto note = signer_->Sign(text);
    ASSERT_FALSE(note.ok());
    EXPECT_EQ(note.status().code(), StatusCode::kInvalidArgument);
  }
  auto k = PrivateKey::Generate();
  ASSERT_TRUE(k.ok());
  for (const std::string& name : std::vector<std::string>{"", "a b", "a+b", "a\tb", "a\xE3\x80\x80" "b"}) {
    SCOPED_TRACE(name);
    EXPECT_FALSE(NoteSigner(name, *k).Sign("text\n").ok());
  }
}

TEST(NoteKeys, VerifierKeyFormat) {
  auto k = PrivateKey::FromSeed(std::string(32, '\x07'));
  ASSERT_TRUE(k.ok());
  const std::string vkey = FormatNoteVerifierKey("log", k->PublicKeyBytes());
  const uint32_t hash = NoteKeyHash("log", k->PublicKeyBytes());
  Hash full = Sha256("log\n\x01" + k->PublicKeyBytes());
  EXPECT_EQ(hash, (uint32_t{full[0]} << 24) | (uint32_t{full[1]} << 16) |
                      (uint32_t{full[2]} << 8) | full[3]);
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", hash);
  EXPECT_EQ(vkey, "log+" + std::string(hex) + "+" + ToBase64("\x01" + k->PublicKeyBytes()));
  NoteVerifier v("log", k->PublicKeyBytes());
  EXPECT_EQ(v.key_hash(), hash);
  EXPECT_EQ(v.ToString(), vkey);
  EXPECT_TRUE(v.Verify("m", k->Sign("m")));
  EXPECT_FALSE(v.Verify("n", k->Sign("m")));

  // Upper-case hex in the key hash is accepted, as in x/mod.
  std::string upper = vkey;
  for (size_t i = 4; i < 12; ++i) upper[i] = static_cast<char>(std::toupper(upper[i]));
  EXPECT_TRUE(NoteVerifier::Parse(upper).ok());
}

TEST(NoteKeys, BadVerifierKeysHandMade) {
  auto k = PrivateKey::FromSeed(std::string(32, '\x07'));
  ASSERT_TRUE(k.ok());
  const std::string good = FormatNoteVerifierKey("log", k->PublicKeyBytes());
  ASSERT_TRUE(NoteVerifier::Parse(good).ok());
  const std::string hash = good.substr(4, 8);
  const std::string key = good.substr(13);
  for (const std::string& bad : std::vector<std::string>{
           "", "log", "log+" + hash, "+" + hash + "+" + key,
           "lo g+" + hash + "+" + key, "log+" + hash.substr(1) + "+" + key,
           "log+0" + hash + "+" + key, "log+" + hash + "+" + key.substr(1),
           "log+" + hash + "+", "log+zzzzzzzz+" + key,
           "other+" + hash + "+" + key,  // hash computed for another name
       }) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(NoteVerifier::Parse(bad).ok());
  }
}

TEST(NoteKeys, PrivateKeyParsing) {
  const std::string skey = Vectors().at("key_pairs")[0].at("skey").get<std::string>();
  ASSERT_TRUE(NoteSigner::ParsePrivateKey(skey).ok());
  // "PRIVATE+KEY+PeterNeumann+c74f20a3+<b64>"
  const size_t hash_at = std::string("PRIVATE+KEY+PeterNeumann+").size();
  std::string wrong_hash = skey;
  wrong_hash[hash_at] = wrong_hash[hash_at] == '0' ? '1' : '0';
  std::string wrong_alg = skey.substr(0, hash_at + 9) + ToBase64("\x02" + std::string(32, 'x'));
  for (const std::string& bad : std::vector<std::string>{
           "", skey.substr(8), "PUBLIC+KEY+" + skey.substr(12), wrong_hash,
           wrong_alg, skey.substr(0, skey.size() - 4), skey + "AAAA",
           "PRIVATE+KEY+Peter Neumann+" + skey.substr(hash_at),
       }) {
    auto s = NoteSigner::ParsePrivateKey(bad);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.status().code(), StatusCode::kInvalidArgument);
    // Never echo key material.
    EXPECT_EQ(s.status().message().find(skey.substr(hash_at + 9)), std::string::npos);
  }
}

TEST(NoteKeys, DuplicateKnownKeyIsFine) {
  auto k = PrivateKey::FromSeed(std::string(32, '\x01'));
  ASSERT_TRUE(k.ok());
  NoteSigner signer("log", *k);
  auto note = signer.Sign("x\n");
  ASSERT_TRUE(note.ok());
  NoteVerifier good = signer.verifier();
  // The same verifier listed twice is not ambiguous.
  EXPECT_TRUE(OpenNote(*note, {good, good}).ok());
}

TEST(Checkpoints, ParseRules) {
  const std::string root = ToBase64(Sha256("r"));
  struct Case {
    std::string text;
    bool ok;
  };
  const std::vector<Case> cases = {
      {"o\n0\n" + root + "\n", true},
      {"o\n18446744073709551615\n" + root + "\n", true},
      {"o\n18446744073709551616\n" + root + "\n", false},
      {"o\n99999999999999999999\n" + root + "\n", false},
      {"o\n01\n" + root + "\n", false},
      {"o\n00\n" + root + "\n", false},
      {"o\n+1\n" + root + "\n", false},
      {"o\n-1\n" + root + "\n", false},
      {"o\n 1\n" + root + "\n", false},
      {"o\n1 \n" + root + "\n", false},
      {"o\n\n" + root + "\n", false},
      {"o\n0x10\n" + root + "\n", false},
      {"\n1\n" + root + "\n", false},
      {"o\n1\n" + root, false},
      {"o\n1\n", false},
      {"o\n1\n\n", false},
      {"o\n1\n" + ToBase64(std::string(31, 'a')) + "\n", false},
      {"o\n1\n" + ToBase64(std::string(33, 'a')) + "\n", false},
      {"o\n1\n" + root.substr(0, root.size() - 1) + "\n", false},
      {"o\n1\n" + root + "\next\n", true},
      {"o\n1\n" + root + "\n\n", false},
      {"o\n1\n" + root + "\next", false},
      {"", false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto cp = ParseCheckpoint(c.text);
    EXPECT_EQ(cp.ok(), c.ok) << cp.status().ToString();
    if (cp.ok()) {
      EXPECT_EQ(FormatCheckpoint(*cp), c.text);
    } else {
      EXPECT_EQ(cp.status().code(), StatusCode::kInvalidArgument);
    }
  }
  auto max = ParseCheckpoint("o\n18446744073709551615\n" + root + "\n");
  ASSERT_TRUE(max.ok());
  EXPECT_EQ(max->size, UINT64_MAX);
}

}  // namespace
}  // namespace ledger
