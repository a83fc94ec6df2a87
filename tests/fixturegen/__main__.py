"""CLI: python -m tests.fixturegen --out DIR --n N --seed S --formats docx,pdf,html,txt"""
from __future__ import annotations

import argparse
import json
import sys
import time

from .corpus import FORMATS, Timings, generate_corpus, generate_multi_year
from .values import INJECTABLE


def _style_value(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.fixturegen", description=__doc__)
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--n", type=int, default=10, help="number of documents (single-year corpus)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--formats", default=",".join(FORMATS), help="comma list of " + ",".join(FORMATS))
    ap.add_argument("--inject", default="", help=f"comma list of identities to break: {','.join(INJECTABLE)}")
    ap.add_argument("--inject-share", type=float, default=1.0, help="share of documents that get a break")
    ap.add_argument("--template-2019-share", type=float, default=0.15, help="share printed in the 2019 format")
    ap.add_argument("--style", action="append", default=[], metavar="KEY=VALUE",
                    help="force a style choice for every document, e.g. txt_layout=cells, fullwidth_digits=true")
    ap.add_argument("--years", help="multi-year corpus, e.g. 2022-2024 (use with --counties)")
    ap.add_argument("--counties", type=int, default=2, help="multi-year: number of counties")
    ap.add_argument("--townships-per-county", type=int, default=3)
    ap.add_argument("--break-carry-over", action="store_true",
                    help="multi-year: one township-year whose 上年结转 disagrees with last year's 结转")
    ap.add_argument("--pdf-workers", type=int, default=2, help="parallel soffice processes")
    args = ap.parse_args(argv)

    overrides = {}
    for item in args.style:
        key, _, value = item.partition("=")
        overrides[key] = _style_value(value)
    timings = Timings()
    t0 = time.perf_counter()
    if args.years:
        first, _, last = args.years.partition("-")
        paths = generate_multi_year(args.out, (int(first), int(last or first)), args.counties,
                                    args.townships_per_county, args.seed, args.formats, args.break_carry_over,
                                    overrides or None, args.pdf_workers, timings)
    else:
        rules = [r for r in args.inject.split(",") if r]
        paths = generate_corpus(args.out, args.n, args.seed, args.formats, rules, args.inject_share,
                                args.template_2019_share, style_overrides=overrides or None,
                                pdf_workers=args.pdf_workers, timings=timings)
    print(f"fixturegen: wrote {len(paths)} document files for {timings.docs} reports to {args.out} "
          f"in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    print(f"fixturegen: {timings.summary()}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
