-- The codebook: one immutable SQLite file per build, written only by ingest.
PRAGMA user_version = 1;

CREATE TABLE build (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- One row per official file imported (or carried over from the build this one extends).
CREATE TABLE source (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,            -- source name: icd10cm, hcpcs, ...
    origin TEXT NOT NULL,          -- path or URL it was read from
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    imported_at TEXT NOT NULL,
    row_counts TEXT NOT NULL       -- JSON {"concept": n, "note": n, ...}
);

CREATE TABLE release (
    id INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES source(id),
    system TEXT NOT NULL,
    version TEXT NOT NULL,
    content TEXT NOT NULL,         -- codes | index | guidelines
    effective_from TEXT NOT NULL,  -- ISO date
    effective_to TEXT,
    title TEXT NOT NULL
);
-- A new release replaces one with the same system, content and version; index and guideline
-- releases (several files of one version: main index, drugs, neoplasms...) also match on title.

CREATE TABLE concept (
    id INTEGER PRIMARY KEY,
    release_id INTEGER NOT NULL REFERENCES release(id),
    code TEXT NOT NULL,
    norm TEXT NOT NULL,            -- upper case, no dot: the key for forgiving look-ups
    title TEXT NOT NULL,
    short_title TEXT,
    kind TEXT NOT NULL,
    parent TEXT,
    billable INTEGER NOT NULL,
    seq INTEGER NOT NULL,          -- publisher order
    attrs TEXT NOT NULL,           -- JSON object of publisher fields
    UNIQUE (release_id, code)
);
CREATE INDEX concept_norm ON concept(norm, release_id);
CREATE INDEX concept_parent ON concept(release_id, parent);

CREATE TABLE note (
    id INTEGER PRIMARY KEY,
    release_id INTEGER NOT NULL REFERENCES release(id),
    code TEXT NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX note_code ON note(release_id, code);

CREATE TABLE seventh_character (
    release_id INTEGER NOT NULL REFERENCES release(id),
    code TEXT NOT NULL,
    char TEXT NOT NULL,
    meaning TEXT NOT NULL,
    PRIMARY KEY (release_id, code, char)
);

CREATE TABLE index_term (
    id INTEGER PRIMARY KEY,
    release_id INTEGER NOT NULL REFERENCES release(id),
    idx TEXT NOT NULL,             -- main | eindex | drug | neoplasm | pcs
    term_id INTEGER NOT NULL,
    parent_id INTEGER,
    level INTEGER NOT NULL,
    title TEXT NOT NULL,
    code TEXT,
    manifestation TEXT,
    see TEXT,
    see_also TEXT,
    nemod TEXT,
    cells TEXT,                    -- JSON object for table rows
    UNIQUE (release_id, idx, term_id)
);
CREATE INDEX index_term_parent ON index_term(release_id, idx, parent_id);

-- Every code an index entry leads to (code, manifestation and table cells), normalised.
CREATE TABLE index_code (
    index_term_id INTEGER NOT NULL REFERENCES index_term(id),
    norm TEXT NOT NULL,
    role TEXT NOT NULL             -- code | manifestation | <table column>
);
CREATE INDEX index_code_norm ON index_code(norm);

CREATE TABLE pcs_axis (
    release_id INTEGER NOT NULL REFERENCES release(id),
    tbl TEXT NOT NULL,
    position INTEGER NOT NULL,
    value TEXT NOT NULL,
    label TEXT NOT NULL,
    definition TEXT,
    PRIMARY KEY (release_id, tbl, position, value)
);

CREATE TABLE guideline (
    id INTEGER PRIMARY KEY,
    release_id INTEGER NOT NULL REFERENCES release(id),
    section TEXT NOT NULL,
    ref TEXT NOT NULL,
    text TEXT NOT NULL
);

-- Full-text index over titles, notes and index terms; rowid = concept.id.
CREATE VIRTUAL TABLE concept_fts USING fts5(
    code, title, terms, tokenize = 'porter unicode61 remove_diacritics 2'
);

-- Billing-rule tables (NCCI, MUE, add-on codes, Physician Fee Schedule). Dates are integers YYYYMMDD.
-- "IF NOT EXISTS": a build that extends an older codebook adds them (see ingest/build.py RULES_MARKER).
CREATE TABLE IF NOT EXISTS ptp_edit (
    release_id INTEGER NOT NULL,
    column1 TEXT NOT NULL,
    column2 TEXT NOT NULL,
    effective_from INTEGER NOT NULL,
    effective_to INTEGER,          -- last day in effect (day before the CMS deletion date); NULL: in effect
    modifier INTEGER NOT NULL,     -- 0 not allowed, 1 allowed, 9 not applicable
    rationale TEXT,
    PRIMARY KEY (column1, column2, release_id, effective_from)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ptp_edit_column2 ON ptp_edit(column2);

CREATE TABLE IF NOT EXISTS mue_value (
    release_id INTEGER NOT NULL,
    code TEXT NOT NULL,
    value INTEGER NOT NULL,
    mai INTEGER NOT NULL,          -- MUE adjudication indicator 1 line, 2 date of service (policy), 3 date of service (clinical)
    rationale TEXT,
    PRIMARY KEY (code, release_id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS addon_code (
    release_id INTEGER NOT NULL,
    addon TEXT NOT NULL,
    primary_code TEXT NOT NULL,    -- '' for type 2 (no primaries listed)
    addon_type INTEGER NOT NULL,
    effective_from INTEGER NOT NULL,
    effective_to INTEGER,
    PRIMARY KEY (addon, primary_code, release_id, effective_from)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS addon_code_primary ON addon_code(primary_code);

CREATE TABLE IF NOT EXISTS pfs_rvu (
    release_id INTEGER NOT NULL,
    code TEXT NOT NULL,
    modifier TEXT NOT NULL,        -- '' for the global service, 26, TC, 53...
    status TEXT NOT NULL,
    work REAL NOT NULL,
    pe_nonfacility REAL NOT NULL,
    pe_facility REAL NOT NULL,
    mp REAL NOT NULL,
    nonfacility_na INTEGER NOT NULL,
    facility_na INTEGER NOT NULL,
    pctc TEXT NOT NULL,
    global_days TEXT NOT NULL,
    pre REAL NOT NULL,
    intra REAL NOT NULL,
    post REAL NOT NULL,
    multiple TEXT NOT NULL,
    bilateral TEXT NOT NULL,
    assistant TEXT NOT NULL,
    cosurgeon TEXT NOT NULL,
    team TEXT NOT NULL,
    endo_base TEXT NOT NULL,
    conversion_factor REAL NOT NULL,
    PRIMARY KEY (code, modifier, release_id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS gpci (
    release_id INTEGER NOT NULL,
    mac TEXT NOT NULL,
    locality TEXT NOT NULL,
    state TEXT NOT NULL,
    name TEXT NOT NULL,
    work REAL NOT NULL,
    pe REAL NOT NULL,
    mp REAL NOT NULL,
    counties TEXT NOT NULL,
    PRIMARY KEY (mac, locality, release_id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS oppscap (
    release_id INTEGER NOT NULL,
    code TEXT NOT NULL,
    modifier TEXT NOT NULL,        -- '' for the global service, TC
    status TEXT NOT NULL,          -- PFS status: A priced, C carrier priced (the amounts are then the cap)
    mac TEXT NOT NULL,
    locality TEXT NOT NULL,
    facility REAL NOT NULL,
    nonfacility REAL NOT NULL,
    PRIMARY KEY (code, modifier, mac, locality, release_id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS anes_cf (
    release_id INTEGER NOT NULL,
    mac TEXT NOT NULL,             -- 00000 with locality 00: the national anesthesia conversion factor
    locality TEXT NOT NULL,
    name TEXT NOT NULL,
    cf REAL NOT NULL,
    PRIMARY KEY (mac, locality, release_id)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS anes_base (
    release_id INTEGER NOT NULL,
    code TEXT NOT NULL,
    base_units REAL NOT NULL,
    PRIMARY KEY (code, release_id)
) WITHOUT ROWID;

-- Official guidance documents (ICD-10-CM Official Guidelines, NCCI Policy Manual): one row per section of
-- the document, in document order (seq), text verbatim; the release (content "guidance") gives version and dates.
CREATE TABLE IF NOT EXISTS guidance_section (
    release_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    ref TEXT NOT NULL,             -- the document's own numbering: I.C.4.a.2, IV.H, Appendix I; NCCI I.E
    parent TEXT,
    level INTEGER NOT NULL,
    title TEXT NOT NULL,
    page TEXT NOT NULL,            -- printed page the section starts on: 13, I-14
    text TEXT NOT NULL,
    PRIMARY KEY (release_id, ref)
);
