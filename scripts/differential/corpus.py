"""Real-world schema files available offline on this machine, with the draft to assume when they
declare none."""
import glob
import json
import os
import sysconfig

SITE = os.environ.get("SITE_PACKAGES", "/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages")
SUITE = os.environ.get("JSON_SCHEMA_TEST_SUITE", "/work/shared/json-schema-test-suite")


def real_world():
    """[(name, path, default_draft)] for schema files shipped by installed Python packages."""
    out = []

    def add(pattern, draft, tag):
        for p in sorted(glob.glob(os.path.join(SITE, pattern), recursive=True)):
            try:
                with open(p) as f:
                    d = json.load(f)
            except Exception:
                continue
            if isinstance(d, (dict, bool)):
                out.append((tag + ":" + os.path.relpath(p, SITE), p, draft))

    add("cfnlint/data/schemas/resources/*.json", "7", "cfn")
    add("cfnlint/data/schemas/extensions/**/*.json", "7", "cfn-ext")
    add("cfnlint/data/schemas/other/**/*.json", "7", "cfn-other")
    add("samtranslator/validator/sam_schema/*.json", "7", "sam")
    add("samtranslator/policy_templates_data/schema.json", "7", "sam")
    add("samtranslator/internal/schema_source/*.json", "7", "sam")
    add("openapi_spec_validator/resources/schemas/**/*.json", "4", "openapi")
    add("openapi_schema_validator/schemas/**/*.json", "2020-12", "openapi")
    add("jsonschema_specifications/schemas/**/*.json", "2020-12", "meta")
    return out


def suite_schemas():
    """[(name, schema, draft)] for every schema in the official test suite (tests and remotes)."""
    out = []
    drafts = {"draft4": "4", "draft6": "6", "draft7": "7", "draft2019-09": "2019-09", "draft2020-12": "2020-12"}
    for dname, draft in drafts.items():
        for p in sorted(glob.glob(os.path.join(SUITE, "tests", dname, "**", "*.json"), recursive=True)):
            with open(p) as f:
                groups = json.load(f)
            for i, g in enumerate(groups):
                out.append((f"suite:{os.path.relpath(p, SUITE)}#{i}", g["schema"], draft))
    for p in sorted(glob.glob(os.path.join(SUITE, "remotes", "**", "*.json"), recursive=True)):
        with open(p) as f:
            s = json.load(f)
        rel = os.path.relpath(p, SUITE)
        draft = "2020-12"
        for k, v in {"draft4": "4", "draft6": "6", "draft7": "7", "draft2019-09": "2019-09"}.items():
            if f"/{k}/" in rel or f"-{k}" in rel:
                draft = v
        out.append((f"suite:{rel}", s, draft))
    return out
