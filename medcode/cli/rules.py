"""Billing-rule commands: check (a claim as JSON, claims as CSV or JSON lines), fee, drg, dx."""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import sys
from typing import Any

from medcode.cli.common import add_command, emit, run_batch
from medcode.core import labels
from medcode.core.errors import ApplicationError

MSG_EMPTY_INPUT = "check reads a claim as JSON (or claims as CSV) on stdin; stdin was empty"
MSG_NOT_UTF8 = "stdin is not UTF-8 text"
MSG_BAD_JSON = "stdin is not a JSON claim: {problem} (line {line}, column {column})"


def _human_check(result: dict[str, Any]) -> str:
    s = result["summary"]
    lines = [
        f"Claim of {result['date_of_service']} ({labels.label(result['setting'], 'setting')}): "
        f"{labels.count(s['errors'], 'error')}, {labels.count(s['warnings'], 'warning')}, "
        f"{labels.count(s['info'], 'note')}"
    ]
    for f in result["findings"]:
        where = f" [line {', '.join(map(str, f['lines']))}]" if f["lines"] else ""
        # the rule's label for people, its identifier (as in --json) for scripts that grep
        rule = f"{labels.label(f['rule'], 'rule')} ({f['rule']})"
        lines.append(f"  {labels.label(f['severity'], 'severity'):<7} {rule}{where}: {f['message']}")
    for line in result["lines"]:
        fee = line.get("fee")
        if fee and fee.get("amount") is not None:
            lines.append(
                f"  line {line['line']} {line['code']}: expected allowed ${fee['amount']:.2f}"
                f" ({labels.label(fee['setting'], 'setting').lower()})"
            )
    if s.get("allowed_total") is not None:
        lines.append(f"  expected allowed total ${s['allowed_total']:.2f}")
    return "\n".join(lines)


def _check_one(item: dict[str, Any]) -> dict[str, Any]:
    from medcode.rules import services

    return services.claim_check_json(item)


def cmd_check(args: argparse.Namespace) -> int:
    from medcode.rules import claim_files, services

    if args.batch:
        return run_batch(_check_one)
    stream = sys.stdin.buffer
    head = b""
    while not head.strip(b"\xef\xbb\xbf \t\r\n"):
        chunk = stream.read(claim_files.CHUNK)
        if not chunk:
            raise ApplicationError(MSG_EMPTY_INPUT)
        head += chunk
    head = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{"):
        try:
            claim = json.loads((head + stream.read()).decode("utf-8"))
        except UnicodeDecodeError:
            raise ApplicationError(MSG_NOT_UTF8) from None
        except json.JSONDecodeError as exc:
            raise ApplicationError(MSG_BAD_JSON.format(problem=exc.msg, line=exc.lineno, column=exc.colno)) from None
        result = services.claim_check_json(claim)
        emit(args, result, _human_check)
        return 1 if result["summary"]["errors"] and args.fail_on_error else 0
    # CSV: one result per claim, as JSON lines (or a short human line each), read within the line and field limits
    limits = dataclasses.replace(claim_files.Limits.from_settings(max_bytes=None), max_claims=None)
    claims = claim_files.claims_read(itertools.chain([head], claim_files.chunks_of(stream)), limits=limits)
    for result in services.claims_check(claims):
        if args.json or not sys.stdout.isatty():
            print(json.dumps(result, ensure_ascii=False), flush=False)
        else:
            s = result.get("summary", {})
            text = result.get("error") or f"{s.get('errors')} errors, {s.get('warnings')} warnings"
            print(f"claim {result['claim_id']}: {text}")
    sys.stdout.flush()
    return 0


def cmd_fee(args: argparse.Namespace) -> int:
    from medcode.rules import services

    result = services.fee_calculate(
        code=args.code,
        modifiers=args.modifier or [],
        locality=args.locality,
        place_of_service=args.pos,
        facility=True if args.facility else None,
        units=args.units,
        date=args.date,
        provider_type=args.provider,
        minutes=args.minutes,
        base_units=args.base_units,
    )

    def human(r: dict[str, Any]) -> str:
        out = [f"{r['code']} {' '.join(r['modifiers'])} at {r['locality']['name']}, {r['setting']}:"]
        out += [f"  {s['step']}  -> {s['amount']:.2f}" + (f"  ({s['note']})" if s["note"] else "") for s in r["steps"]]
        out.append(
            f"  expected allowed: {f'${r["amount"]:.2f}' if r['amount'] is not None else 'no fee schedule amount'}"
        )
        out += [f"  warning: {w}" for w in r["warnings"]]
        out.append(f"  source: {r['release']}")
        return "\n".join(out)

    emit(args, result, human)
    return 0


def cmd_drg(args: argparse.Namespace) -> int:
    from medcode.codebook import selectors as codebook
    from medcode.rules import classifiers

    result = classifiers.drg_group(
        pdx=args.pdx,
        sdx=args.sdx or [],
        procedures=args.proc or [],
        age=args.age,
        sex=args.sex,
        discharge_status=args.discharge_status,
        version=args.version,
        date=codebook.parse_date(args.date),
    )
    emit(
        args,
        result,
        lambda r: (
            f"MS-DRG {r['drg']:03d} {r['title']} (MDC {r['mdc']:02d}, {r['severity']}"
            + (f" from {', '.join(d['code'] + ' ' + d['severity'] for d in r['drivers'])}" if r["drivers"] else "")
            + f", weight {r['weight'] if r['weight'] is not None else 'not carried'}"
            + (f", GMLOS {r['gmlos']}, AMLOS {r['amlos']} days" if r["gmlos"] is not None else "")
            + f")\n  {r['source']}"
        ),
    )
    return 0


def cmd_dx(args: argparse.Namespace) -> int:
    from medcode.rules import classifiers

    result = classifiers.diagnosis_facts(args.code)

    def human(r: dict[str, Any]) -> str:
        drg, hcc = r["drg"], r["hcc"]["models"]
        return "\n".join(
            [
                f"{args.code}: MS-DRG {drg['level'] or 'non-CC'} as a secondary diagnosis"
                + (
                    f" (excluded by {drg['excluded_by_count']} principal diagnoses)" if drg["excluded_by_count"] else ""
                ),
                f"  CMS-HCC V24: {', '.join('HCC ' + h['hcc'] for h in hcc['V24']) or 'none'};"
                f" V28: {', '.join('HCC ' + h['hcc'] for h in hcc['V28']) or 'none'}",
                f"  ICD-9-CM (GEMs): {', '.join(t['code'] for t in r['gems']['targets']) or 'none'}",
                f"  CCSR: {r['ccsr']['ccsr_category'] or 'none'}; {r['ccsr']['chronic'] or ''}",
            ]
        )

    emit(args, result, human)
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = add_command(
        sub, "check", cmd_check, "check a claim (JSON on stdin) or claims (CSV on stdin) against the billing rules"
    )
    p.add_argument("--batch", action="store_true", help="JSON lines on stdin, one claim per line, one result per line")
    p.add_argument("--fail-on-error", action="store_true", help="exit 1 when the claim has error findings")

    p = add_command(sub, "fee", cmd_fee, "the Medicare Physician Fee Schedule amount for one code, step by step")
    p.add_argument("code")
    p.add_argument("--modifier", action="append", help="a modifier (repeat for more)")
    p.add_argument("--locality", help="MAC-locality (01112-05) or state-locality (CA-05); national when absent")
    p.add_argument("--pos", help="place of service (decides facility or non-facility)")
    p.add_argument("--facility", action="store_true", help="price at the facility rate")
    p.add_argument("--units", type=int, default=1)
    p.add_argument("--date", help="date of service (YYYY-MM-DD)")
    p.add_argument("--provider", help="physician (default) or npp (NP, PA, CNS: paid 85%%)")
    p.add_argument("--minutes", help="anesthesia time in minutes (15 minutes = 1 time unit)")
    p.add_argument("--base-units", dest="base_units", help="anesthesia base units (else the imported CMS table)")

    p = add_command(sub, "drg", cmd_drg, "group an inpatient case into an MS-DRG")
    p.add_argument("pdx", help="principal diagnosis")
    p.add_argument("--sdx", action="append", help="secondary diagnosis (repeat)")
    p.add_argument("--proc", action="append", help="ICD-10-PCS procedure (repeat)")
    p.add_argument("--age", type=int, default=65)
    p.add_argument("--sex", default="U", choices=["M", "F", "U"])
    p.add_argument("--discharge-status", type=int, default=1)
    p.add_argument(
        "--version",
        type=int,
        help="grouper version, e.g. 431 (default: the one in effect on --date, else the codebook's FY)",
    )
    p.add_argument("--date", help="discharge date YYYY-MM-DD: chooses the grouper version in effect")

    p = add_command(sub, "dx", cmd_dx, "DRG CC/MCC, CMS-HCC, GEMs and CCSR facts of an ICD-10-CM code")
    p.add_argument("code")
