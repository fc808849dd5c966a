# Events of the assistance ledger (DESIGN.md §4, DOMAIN.md "Event catalogue").
#
# Compatibility rules (contract): field ordinals and enum ordinals are never
# renumbered or reused. New fields and enumerants are only ever appended.
#
# What is hashed and signed:
#   * the officer signs   canonicalize(EventBody)                (Ed25519)
#   * the leaf bytes are  canonicalize(Envelope)                 (stored in `events`)
#   * leaf hash           SHA-256(0x00 || leaf bytes)            (RFC 6962)

@0xef6268471e003e70;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("ledger::schema");

# ---------------------------------------------------------------- enums

enum Dimension {
  health @0;        # สุขภาพ
  living @1;        # ความเป็นอยู่
  education @2;     # การศึกษา
  income @3;        # รายได้
  access @4;        # การเข้าถึงบริการรัฐ
}

enum Level {
  survive @0;       # อยู่รอด
  sufficient @1;    # พอเพียง
  sustainable @2;   # ยั่งยืน
}

enum TargetSource {
  tpmap @0;               # TPMAP target from the BMN survey
  missed @1;              # ครัวเรือนตกหล่น, added by a field team
  vulnerable @2;          # vulnerable group named by an agency
  programmeSelection @3;  # selected for a programme by scoring
}

enum WelfareRight {
  elderly @0;
  disability @1;
  newborn @2;
  education @3;
  welfareCard @4;
}

enum WelfareResult {
  alreadyReceiving @0;
  enrolledNow @1;
  notEligible @2;
}

enum ExitReason {
  graduated @0;
  moved @1;
  deceased @2;
  duplicateRecord @3;
}

enum OfficerRole {
  mentor @0;          # member of a mentor team (ทีมพี่เลี้ยง)
  teamLead @1;        # sub-district operation team lead
  dataClerk @2;       # enters records on behalf of a team
  supervisor @3;      # district / province level
}

# ---------------------------------------------------------------- values

# A calendar date in the proleptic Gregorian calendar (CE), Asia/Bangkok.
struct Date {
  year @0 :Int16;
  month @1 :UInt8;   # 1..12
  day @2 :UInt8;     # 1..31
}

# When the help happened, as declared by the officer: a date and an optional
# local time of day (Asia/Bangkok).
struct OccurredAt {
  date @0 :Date;
  minuteOfDay @1 :Int16 = -1;   # 0..1439, or -1 when no time was given
}

struct GeoPoint {
  latMicrodeg @0 :Int32;   # WGS84 latitude  × 1e6
  lonMicrodeg @1 :Int32;   # WGS84 longitude × 1e6
}

# ---------------------------------------------------------------- payloads

struct AgencyRegistered {
  code @0 :Text;                  # stable agency id, e.g. "PHO-33"
  nameTh @1 :Text;
  nameEn @2 :Text;
  dimensions @3 :List(Dimension);
  publicKey @4 :Data;             # Ed25519, 32 bytes
  province @5 :Text;              # 2-digit DOPA code, or "" for national
}

struct OfficerRegistered {
  officerId @0 :Text;
  agency @1 :Text;
  role @2 :OfficerRole;
  publicKey @3 :Data;             # Ed25519, 32 bytes
  areas @4 :List(Text);           # DOPA codes of the officer's caseload
}

struct OfficerKeyRevoked {
  officerId @0 :Text;
  agency @1 :Text;
  reason @2 :Text;
}

struct HouseholdTargeted {
  houseCode @0 :Text;             # 11 digits (รหัสประจำบ้าน)
  province @1 :Text;              # PP
  district @2 :Text;              # PPDD
  subdistrict @3 :Text;           # PPDDTT
  village @4 :Text;               # PPDDTTMM, or ""
  surveyYear @5 :UInt16;          # BE, e.g. 2565
  source @6 :TargetSource;
  failingIndicators @7 :List(UInt8);   # BMN indicator numbers
  members @8 :UInt16;
  memberIdHashes @9 :List(Data);  # HMAC-SHA-256(operator secret, citizen ID)
}

struct CriterionScore {
  criterion @0 :Text;
  score @1 :Int32;
}

struct HouseholdSelected {
  programme @0 :Text;
  scores @1 :List(CriterionScore);
  selected @2 :Bool;
  committee @3 :Text;
  meeting @4 :Text;
}

struct MentorAssigned {
  officerId @0 :Text;
  teamRole @1 :Text;
}

struct MentorReleased {
  officerId @0 :Text;
  reason @1 :Text;
}

struct HouseholdVisited {
  purpose @0 :Text;
  location :union {
    none @1 :Void;
    gps @2 :GeoPoint;
  }
  evidence @3 :List(Data);        # SHA-256 of evidence files
}

struct FourTFinding {
  dimension @0 :Dimension;
  attitude @1 :Text;     # ทัศนคติ
  skills @2 :Text;       # ทักษะ
  resources @3 :Text;    # ทรัพยากร
  wayOut @4 :Text;       # ทางออก
}

struct ProblemsAnalysed {
  findings @0 :List(FourTFinding);
}

struct PlanAction {
  dimension @0 :Dimension;
  indicator @1 :UInt8;
  menuItem @2 :Text;
  responsibleAgency @3 :Text;
  targetLevel @4 :Level;
  dueDate @5 :Date;
}

struct PlanAgreed {
  actions @0 :List(PlanAction);
}

struct WelfareRightChecked {
  right @0 :WelfareRight;
  result @1 :WelfareResult;
}

struct AssistanceGiven {
  dimension @0 :Dimension;
  indicator @1 :UInt8;            # BMN indicator addressed, 0 if none
  menuItem @2 :Text;              # poverty-solution menu item code
  description @3 :Text;
  quantity @4 :UInt32;
  unit @5 :Text;
  valueSatang @6 :Int64;          # THB × 100; never a float
  beneficiary @7 :Data;           # keyed hash of a member's citizen ID, optional
  evidence @8 :List(Data);        # SHA-256 of evidence files
  planActionRef @9 :Int32 = -1;   # index into the household's plan, -1 if none
}

struct Referred {
  toAgency @0 :Text;
  problem @1 :Text;
  dimension @2 :Dimension;
}

struct IndicatorResolved {
  indicator @0 :UInt8;
  howVerified @1 :Text;
}

struct LevelAssessed {
  level @0 :Level;
  reasons @1 :Text;
}

struct HouseholdExited {
  reason @0 :ExitReason;
}

struct Correction {
  correctedSeq @0 :UInt64;
  correctedHash @1 :Data;         # leaf hash of the corrected event
  reason @2 :Text;
  action :union {
    void @3 :Void;                # the corrected event no longer counts
    replacement @4 :Payload;      # the corrected event counts with these fields
  }
}

# One item of the poverty-solution menu (เมนูแก้จน): what an agency may give
# a household (docs/domain.md "The menu").
struct MenuItem {
  code @0 :Text;                  # stable item code, e.g. "H-01"; never reused
  dimension @1 :Dimension;        # the dimension it serves; never changes
  indicator @2 :UInt8;            # BMN indicator it addresses, 0 if none in particular
  nameTh @3 :Text;
  nameEn @4 :Text;
  unit @5 :Text;                  # what one delivery counts, e.g. "kit", "term"
  withdrawn @6 :Bool;             # no longer offered: refused on new help and plans
}

# A whole version of the menu, signed by the operator's root key. It replaces
# the previous version: `version` is the previous one's + 1 (1 for the
# first), and every item code published before is listed again, offered or
# withdrawn, with the same dimension.
struct MenuPublished {
  version @0 :UInt32;
  items @1 :List(MenuItem);
  description @2 :Text;           # what changed, for people
}

# The payload union. Ordinals are the event kind numbers (contract).
struct Payload {
  union {
    agencyRegistered @0 :AgencyRegistered;
    officerRegistered @1 :OfficerRegistered;
    officerKeyRevoked @2 :OfficerKeyRevoked;
    householdTargeted @3 :HouseholdTargeted;
    householdSelected @4 :HouseholdSelected;
    mentorAssigned @5 :MentorAssigned;
    mentorReleased @6 :MentorReleased;
    householdVisited @7 :HouseholdVisited;
    problemsAnalysed @8 :ProblemsAnalysed;
    planAgreed @9 :PlanAgreed;
    welfareRightChecked @10 :WelfareRightChecked;
    assistanceGiven @11 :AssistanceGiven;
    referred @12 :Referred;
    indicatorResolved @13 :IndicatorResolved;
    levelAssessed @14 :LevelAssessed;
    householdExited @15 :HouseholdExited;
    correction @16 :Correction;
    menuPublished @17 :MenuPublished;
  }
}

# ---------------------------------------------------------------- events

# What the officer's client authors and signs.
#
# Signer by kind (trust chain, DESIGN.md §7):
#   agencyRegistered, menuPublished        the operator's root key
#   officerRegistered, officerKeyRevoked   the key of `agency`
#   everything else                        the key of `officer` (of `agency`);
#                                          a correction with officer == "" is
#                                          signed by the operator's root key
struct EventBody {
  household @0 :Text;             # house code, "" for registry events
  agency @1 :Text;
  officer @2 :Text;
  occurredAt @3 :OccurredAt;
  idempotencyKey @4 :Data;        # 16 random bytes chosen by the client
  payload @5 :Payload;
}

# A body with its signature, as sent by a client.
struct SignedBody {
  body @0 :EventBody;
  signature @1 :Data;             # Ed25519 over canonicalize(body), 64 bytes
}

# What the server adds when it sequences an event. canonicalize(Envelope) is
# the leaf.
struct Envelope {
  seq @0 :UInt64;                 # 0-based, gap-free
  recordedAt @1 :Int64;           # server clock, ns since the Unix epoch (UTC); strictly
                                  # increasing with seq (docs/formats.md §1.1)
  prevHash @2 :Data;              # leaf hash of seq-1; 32 zero bytes for seq 0
  householdPrev :union {
    none @3 :Void;                # first event of its household (or no household)
    event @4 :HouseholdLink;
  }
  signed @5 :SignedBody;          # verbatim
  headsRoot @6 :Data;             # on the last event of each group commit:
                                  # the root of the heads map over events
                                  # [0, seq) (docs/formats.md §7); empty on
                                  # every other event
}

struct HouseholdLink {
  seq @0 :UInt64;
  hash @1 :Data;                  # leaf hash of that event
}
