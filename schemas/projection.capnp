# Projections of the ledger (DOMAIN.md "Projections"; docs/domain.md): the
# household status and area progress kept in the `projection` column family,
# the periodic snapshots kept in `snapshots`, and the canonical bytes that a
# rebuild from the events and the incrementally maintained state must share.
#
# Canonical form (contract for byte-for-byte comparison):
#   * every message is capnp::canonicalize()d;
#   * a household's strings (agency codes, officer ids, menu items, ...) are
#     interned in HouseholdState.strings in order of first use: records in
#     seq order, and within a record its fields in ordinal order (plan
#     actions in list order); the summary only refers to strings already
#     listed by the records;
#   * lists are in the order stated on each field.
#
# Compatibility: ordinals are never renumbered or reused.

@0xb6d688a4a6356e16;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("ledger::schema");

using L = import "ledger.capnp";

enum RecordState {
  original @0;
  replaced @1;      # a Correction replaced its fields
  voided @2;        # a Correction voided it: it no longer counts
}

struct PlanActionRecord {
  dimension @0 :L.Dimension;
  indicator @1 :UInt8;
  targetLevel @2 :L.Level;
  menuItem @3 :UInt32;            # index into HouseholdState.strings
  responsibleAgency @4 :UInt32;   # index into HouseholdState.strings
  dueDate @5 :UInt32;             # yyyymmdd (CE)
}

# One event of a household, with the corrections made to it applied. Only
# the group of the record's kind is meaningful.
struct HouseholdRecord {
  seq @0 :UInt64;
  occurred @1 :UInt32;            # occurredAt date, yyyymmdd (CE)
  agency @2 :UInt32;              # index into HouseholdState.strings
  officer @3 :UInt32;             # index into HouseholdState.strings
  state @4 :RecordState;
  correctedBy @5 :UInt64;         # seq of the latest Correction applied to it; 0 = none

  body :union {
    targeted :group {
      surveyYear @6 :UInt16;      # BE
      source @7 :L.TargetSource;
      subdistrict @8 :UInt32;     # PPDDTT as a number
      village @9 :UInt8;          # MM of PPDDTTMM, 0 = none
      failing @10 :UInt64;        # bit n set = BMN indicator n failing
      members @11 :UInt16;
      memberHashes @12 :UInt16;   # number of keyed member-ID hashes recorded
    }
    selected :group {
      programme @13 :UInt32;      # strings index
      chosen @14 :Bool;
    }
    mentorAssigned :group {
      mentor @15 :UInt32;         # strings index of the officer id
    }
    mentorReleased :group {
      mentor @16 :UInt32;
    }
    visited :group {
      hasGps @17 :Bool;
      evidence @18 :UInt16;       # number of evidence hashes
    }
    analysed :group {
      dimensions @19 :UInt8;      # bit d set = a 4ท finding for dimension d
    }
    planAgreed :group {
      actions @20 :List(PlanActionRecord);
    }
    welfareChecked :group {
      right @21 :L.WelfareRight;
      result @22 :L.WelfareResult;
    }
    assistance :group {
      dimension @23 :L.Dimension;
      indicator @24 :UInt8;
      menuItem @25 :UInt32;       # strings index
      quantity @26 :UInt32;
      valueSatang @27 :Int64;
      planAction @28 :Int32;      # index into the household's plan actions, -1 = none
      hasBeneficiary @29 :Bool;
    }
    referred :group {
      toAgency @30 :UInt32;       # strings index
      dimension @31 :L.Dimension;
    }
    resolved :group {
      indicator @32 :UInt8;
    }
    assessed :group {
      level @33 :L.Level;
    }
    exited :group {
      reason @34 :L.ExitReason;
    }
    correction :group {
      correctedSeq @35 :UInt64;
      isVoid @36 :Bool;           # false: a replacement
    }
  }
}

struct PlanActionStatus {
  planSeq @0 :UInt64;             # the PlanAgreed event that listed it
  voided @1 :Bool;                # that PlanAgreed was voided
  done @2 :Bool;                  # a counted AssistanceGiven referred to it
  doneSeq @3 :UInt64;             # the first such AssistanceGiven
}

struct HelpTotal {
  agency @0 :UInt32;              # strings index
  dimension @1 :L.Dimension;
  count @2 :UInt32;
  satang @3 :Int64;
}

struct CorrectionApplied {
  seq @0 :UInt64;                 # the Correction event
  correctedSeq @1 :UInt64;
  isVoid @2 :Bool;
}

# What the records add up to (a fold over the records in seq order, voided
# records skipped). Derived: stored values omit it and readers recompute it.
struct HouseholdSummary {
  targeted @0 :Bool;              # a counted HouseholdTargeted exists
  subdistrict @1 :UInt32;         # of the latest counted HouseholdTargeted
  village @2 :UInt8;
  failing @3 :UInt64;             # indicator bits failing now
  resolved @4 :UInt64;            # indicator bits resolved (and not failing again)
  hasLevel @5 :Bool;
  level @6 :L.Level;
  levelSeq @7 :UInt64;            # the assessment that first reached the current level
  levelDate @8 :UInt32;           # its occurredAt, yyyymmdd
  mentors @9 :List(UInt32);       # strings indexes, in order of assignment
  plans @10 :UInt32;              # counted PlanAgreed events
  planActions @11 :List(PlanActionStatus);   # one per action of every PlanAgreed, in order
  helpCount @12 :UInt32;
  helpSatang @13 :Int64;
  help @14 :List(HelpTotal);      # per (agency, dimension), in order of first help
  visits @15 :UInt32;
  lastVisitSeq @16 :UInt64;
  lastVisitDate @17 :UInt32;      # 0 = never visited
  welfareChecks @18 :UInt32;
  referrals @19 :UInt32;
  analyses @20 :UInt32;
  selections @21 :UInt32;
  corrections @22 :List(CorrectionApplied);  # in seq order
  exited @23 :Bool;
  exitReason @24 :L.ExitReason;
  exitSeq @25 :UInt64;
}

struct HouseholdState {
  houseCode @0 :Text;
  latestSeq @1 :UInt64;           # the household's latest event (any kind)
  latestHash @2 :Data;            # its leaf hash
  strings @3 :List(Text);
  records @4 :List(HouseholdRecord);   # ascending seq
  summary @5 :HouseholdSummary;   # set in Serialize() output, absent when stored
}

struct MoneyTotal {
  count @0 :UInt64;
  satang @1 :Int64;
}

struct AgencyHelp {
  agency @0 :Text;
  byDimension @1 :List(MoneyTotal);   # 5 entries, by Dimension ordinal
}

# Progress of a province (2-digit code), district (4) or sub-district (6):
# the sum over the households targeted there (by their latest counted
# HouseholdTargeted). An area without targeted households is absent.
struct AreaState {
  code @0 :Text;
  targeted @1 :UInt64;
  withMentor @2 :UInt64;
  withPlan @3 :UInt64;
  helped @4 :UInt64;              # at least one counted AssistanceGiven
  exited @5 :UInt64;
  survive @6 :UInt64;             # households whose current level is survive
  sufficient @7 :UInt64;
  sustainable @8 :UInt64;
  indicatorsFailing @9 :UInt64;
  indicatorsResolved @10 :UInt64;
  helpByDimension @11 :List(MoneyTotal);   # 5 entries, by Dimension ordinal
  helpByAgency @12 :List(AgencyHelp);      # ascending agency code
}

struct AreaSet {
  areas @0 :List(AreaState);      # ascending code (byte order)
}

# The whole projection after folding events [0, applied).
struct ProjectionState {
  applied @0 :UInt64;
  maxRecordedAt @1 :Int64;        # largest recordedAt folded (ns); 0 when none
  households @2 :List(HouseholdState);   # ascending house code, with summaries
  areas @3 :List(AreaState);      # ascending code
}

# Header of a snapshot (key "m" || size in the `snapshots` column family).
struct SnapshotInfo {
  size @0 :UInt64;                # events folded
  maxRecordedAt @1 :Int64;
  previousSize @2 :UInt64;        # the snapshot before, 0 if none
  households @3 :UInt64;          # household versions written with it
}
