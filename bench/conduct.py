"""The conduct filter on its test set: detection, false positives and speed.

    .venv/bin/python bench/conduct.py [--show] [--rounds N]

Reads every pair of files ``bench/conduct_set/offensive*.txt`` (every line should be
flagged) and ``clean*.txt`` with the same suffix (no line should be): ``offensive.txt`` and
``clean.txt`` (the first set), ``offensive_2.txt`` and ``clean_2.txt`` (the second, written
as a held-out set), ... One item per line, ``#`` comments, ``# category: NAME`` (in the first
set ``# --- NAME``) starts a category, a backslash-u escape with four hex digits
(``\\u200b``) for invisible characters.
Prints the detection and false-positive rates per set and per category, the throughput for
typical message lengths (messages made of the clean lines of all sets) as tables, then the misses and false positives (always when there are a few, all of them with ``--show``). Measures only.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from parta.conduct import Verdict, check, default_filter

SET = Path(__file__).resolve().parent / "conduct_set"
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_HEADING = re.compile(r"#\s*(?:category:|---)\s*(.+)")


def load(name: str) -> list[str]:
    """The items of one set file."""
    return [text for text, _ in load_categorized(name)]


def load_categorized(name: str) -> list[tuple[str, str]]:
    """(item, category) for each item of one set file. A ``# category: NAME`` line starts a
    category; in the first set's files a ``# --- NAME`` heading does; items before any
    heading are in the category "-"."""
    items = []
    category = "-"
    for line in (SET / name).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        heading = _HEADING.match(line)
        if heading:
            category = heading.group(1).strip()
        elif line and not line.startswith("#"):
            items.append((_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), line), category))
    return items


def set_pairs() -> list[tuple[str, str, str]]:
    """(name, offensive file, clean file) for every pair in the set directory:
    ``offensive.txt``/``clean.txt``, ``offensive_2.txt``/``clean_2.txt``, ..."""
    pairs = []
    for path in sorted(SET.glob("offensive*.txt")):
        suffix = path.name[len("offensive"):]
        if (SET / f"clean{suffix}").exists():
            pairs.append((suffix.removesuffix(".txt").lstrip("_") or "1", path.name,
                          f"clean{suffix}"))
    return pairs


def by_category(items: list[tuple[str, str]], flagged: set[str]) -> list[tuple[str, int, int]]:
    """(category, items, flagged) in the order the categories first appear."""
    counts: dict[str, list[int]] = {}
    for text, category in items:
        row = counts.setdefault(category, [0, 0])
        row[0] += 1
        row[1] += text in flagged
    return [(category, n, hit) for category, (n, hit) in counts.items()]


def messages(clean: list[str], length: int, count: int) -> list[str]:
    """``count`` messages of about ``length`` characters made of clean lines."""
    rng = random.Random(length)
    out = []
    for _ in range(count):
        text = ""
        while len(text) < length:
            text += rng.choice(clean) + " "
        out.append(text[:length])
    return out


def throughput(clean: list[str], rounds: int) -> list[tuple[str, int, float, float, float]]:
    """(lines, length, checks/s, median and best µs per check) for typical messages.

    The machine is shared and noisy: each round of 200 messages is timed on its own, in
    this process's CPU time (time waiting for a core while other jobs run is not counted;
    a busy machine still slows each instruction somewhat).
    """
    russian = [t for t in clean if not re.search("[A-Za-z]", t)]
    english = [t for t in clean if not re.search("[А-Яа-яЁё]", t)]
    cases = [("Russian", russian, 100), ("English", english, 100)]
    cases += [("all clean lines", clean, n) for n in (20, 100, 500, 2000)]
    rows = []
    for name, lines, length in cases:
        batch = messages(lines, length, 200)
        for text in batch:  # warm the caches
            check(text)
        per_check = []
        for _ in range(rounds):
            started = time.process_time()
            for text in batch:
                check(text)
            per_check.append((time.process_time() - started) / len(batch) * 1e6)
        median = statistics.median(per_check)
        rows.append((name, length, 1e6 / median, median, min(per_check)))
    return rows


def wordlist(path: Path, show: bool) -> None:
    """How many words of a word list are flagged, by term (with ``show``, which ones)."""
    by_term: dict[str, list[str]] = {}
    total = 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        word = line.split("/")[0].strip()  # hunspell .dic lines carry "/FLAGS"
        if not word:
            continue
        total += 1
        verdict = check(word)
        if verdict.flagged:
            by_term.setdefault(verdict.matches[0].term, []).append(word)
    flagged = sum(len(words) for words in by_term.values())
    print(f"\n{path}: {total} words, {flagged} flagged ({flagged / max(total, 1):.3%}).")
    for term, words in sorted(by_term.items(), key=lambda kv: -len(kv[1])):
        listed = ", ".join(words if show else words[:8])
        print(f"  {term} ({len(words)}): {listed}{'' if show or len(words) <= 8 else ', …'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--show", action="store_true", help="list every miss and false positive")
    parser.add_argument("--rounds", type=int, default=20, help="rounds of 200 messages per length")
    parser.add_argument("--wordlist", type=Path, action="append", default=[],
                        help="also count the flagged words of a word list, one word per line "
                             "(a spelling dictionary: the words a filter must mostly let pass)")
    args = parser.parse_args()

    started = time.perf_counter()
    default_filter()
    build_ms = (time.perf_counter() - started) * 1000

    misses: list[str] = []
    false_positives: list[tuple[str, Verdict]] = []
    all_clean: list[str] = []
    detail: list[str] = []
    print("| set | offensive | flagged | detection | clean | flagged | false positives |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, offensive_file, clean_file in set_pairs():
        offensive, clean = load_categorized(offensive_file), load_categorized(clean_file)
        hit = {t for t, _ in offensive if check(t).flagged}
        wrong = {t for t, _ in clean if check(t).flagged}
        set_misses = [t for t, _ in offensive if t not in hit]
        misses += set_misses
        false_positives += [(t, check(t)) for t, _ in clean if t in wrong]
        all_clean += [t for t, _ in clean]
        detected = len(offensive) - len(set_misses)
        fp = sum(t in wrong for t, _ in clean)
        print(f"| {name} | {len(offensive)} | {detected} | {detected / len(offensive):.1%} | "
              f"{len(clean)} | {fp} | {fp / len(clean):.1%} |")
        detail.append(f"\nSet {name}, {offensive_file} (detection by category):\n")
        detail.append("| category | items | flagged | rate |\n|---|---:|---:|---:|")
        detail += [f"| {c} | {n} | {k} | {k / n:.1%} |" for c, n, k in by_category(offensive, hit)]
        detail.append(f"\nSet {name}, {clean_file} (false positives by category):\n")
        detail.append("| category | items | flagged | rate |\n|---|---:|---:|---:|")
        detail += [f"| {c} | {n} | {k} | {k / n:.1%} |" for c, n, k in by_category(clean, wrong)]
    print("\n".join(detail))
    print()
    print(f"Lexicon compiled in {build_ms:.0f} ms.")
    print()
    print("| messages made of | chars | checks/s | µs per check (median) | µs (best round) |")
    print("|---|---:|---:|---:|---:|")
    for name, length, per_second, median, best in throughput(all_clean, args.rounds):
        print(f"| {name} | {length} | {per_second:,.0f} | {median:.1f} | {best:.1f} |")

    for path in args.wordlist:
        wordlist(path, args.show)

    if args.show or len(misses) + len(false_positives) <= 20:
        if misses:
            print("\nMisses:")
            for text in misses:
                print(f"  {text!r}")
        if false_positives:
            print("\nFalse positives:")
            for text, verdict in false_positives:
                spans = ", ".join(f"{text[m.start:m.end]!r}→{m.term}" for m in verdict.matches)
                print(f"  {text!r}: {spans}")
    elif misses or false_positives:
        print(f"\n{len(misses)} misses, {len(false_positives)} false positives: --show lists them.")


if __name__ == "__main__":
    main()
