"""`smtp-tutor mta-sts` and `smtp-tutor dane`: the checkers as tables (hostile files included),
the TLSA record against the openssl pipeline, the labs, and both languages."""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from sandbox.dane.tlsa import EXPLAIN, TLSA_ERRORS
from sandbox.labdns.world import DECIDED
from sandbox.mtasts.policy import FINDINGS
from sandbox.pki.certs import ensure_certs
from sandbox.tlsrpt.report import MEANING
from tutor.cli import dane, mtasts
from tutor.cli.dane import EXPLAIN_JA
from tutor.cli.dane import WORDS as DANE_WORDS
from tutor.cli.mtasts import DECIDED_JA, FINDINGS_JA, RESULT_JA, WORDS
from tutor.ui.world_words import TLSA_ERRORS_JA

_spec = importlib.util.spec_from_file_location(
    "sandbox_tests_conftest_sts", Path(__file__).parents[2] / "sandbox" / "conftest.py"
)
assert _spec is not None and _spec.loader is not None
_conftest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_conftest)
external_tool: Callable[[str], str] = _conftest.external_tool


def main(argv: list[str]) -> int:
    """`smtp-tutor mta-sts|dane ...` as tutor/cli/main.py runs a subcommand module."""
    module = mtasts if argv[0] == "mta-sts" else dane
    parser = argparse.ArgumentParser(prog=f"smtp-tutor {argv[0]}")
    module.add_arguments(parser)
    return module.run(parser.parse_args(argv[1:]))


GOOD = "version: STSv1\r\nmode: enforce\r\nmx: sandbox.test\r\nmax_age: 604800\r\n"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data"
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(path))
    return path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_p12_every_word_in_both_languages() -> None:
    assert set(FINDINGS_JA) == set(FINDINGS)
    assert set(DECIDED_JA) == set(DECIDED)
    assert set(RESULT_JA) == {r.value for r in MEANING}
    assert set(WORDS["ja"]) == set(WORDS["en"])
    assert set(DANE_WORDS["ja"]) == set(DANE_WORDS["en"])
    assert {k: set(v) for k, v in EXPLAIN_JA.items()} == {k: set(v) for k, v in EXPLAIN.items()}
    assert set(TLSA_ERRORS_JA) == set(TLSA_ERRORS)


@pytest.mark.parametrize(
    ("record", "en", "ja"),
    [
        ("3 1 9 abcd", "matching type 9 is not 0 (Full)", "matching type 9 は 0（Full）"),
        ("3 1 1 ab", "needs 32 bytes of data; this has 1", "32 バイトですが、これは 1 バイトです"),
        ("3 1 1 zz", "is not hexadecimal", "16 進数ではありません"),
        ("x y z", "a TLSA record is 'usage selector", "TLSA レコードは「usage selector"),
    ],
)
def test_p13_a_bad_record_is_said_in_the_learners_language(
    capsys: pytest.CaptureFixture[str], record: str, en: str, ja: str
) -> None:
    for lang, said in (("en", en), ("ja", ja)):
        code, out, err = _run(
            capsys, "dane", "check", "127.0.0.1:9", "--tlsa", record, "--lang", lang
        )
        assert (code, out) == (1, "") and err.count("\n") == 1
        assert said in err


def test_p12_a_good_policy_and_its_txt(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    policy = tmp_path / "mta-sts.txt"
    policy.write_text(GOOD)
    code, out, err = _run(
        capsys,
        "mta-sts",
        "check",
        str(policy),
        "--txt",
        "v=STSv1; id=20260101;",
        "--mx",
        "sandbox.test",
    )
    assert (code, err) == (0, "")
    assert f"{policy}: ok: mode: enforce." in out
    assert "The MX host sandbox.test matches the pattern sandbox.test." in out
    assert "The TXT record is valid: id 20260101." in out
    assert out.rstrip().endswith("0 problem(s), 0 warning(s)")


def test_p12_japanese(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    policy = tmp_path / "mta-sts.txt"
    policy.write_text(GOOD.replace("sandbox.test", "mx1.example.test"))
    code, out, _ = _run(
        capsys, "mta-sts", "check", str(policy), "--mx", "sandbox.test", "--lang", "ja"
    )
    assert code == 1
    assert "問題: MX ホスト sandbox.test はどの mx 行にも一致しません。" in out
    assert "問題 1 件、警告 0 件" in out


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"version: STSv1\r\n" + b"x" * 1_000_000, "larger than 65536 bytes"),
        (b"version: STSv1\r\n" + b"mx: a.example.test\r\n" * 10_000, "larger than 65536 bytes"),
        (b"version: STSv1\r\nmode: enforce\r\nmx: \xff\xfe.test\r\n", "not UTF-8"),
        (b"version: STSv1\r\n\x00mode: enforce\r\n", "NUL"),
    ],
    ids=["1MB", "10000-mx", "non-utf8", "nul"],
)
def test_p12_hostile_policy_files_get_one_clear_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes, says: str
) -> None:
    policy = tmp_path / "mta-sts.txt"
    policy.write_bytes(content)
    code, out, err = _run(capsys, "mta-sts", "check", str(policy))
    assert code == 1 and out == ""
    assert says in err and err.count("\n") == 1 and "Traceback" not in err


def test_p12_links_fifos_and_missing_files(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    real = tmp_path / "real.txt"
    real.write_text(GOOD)
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    fifo = tmp_path / "fifo.txt"
    os.mkfifo(fifo)
    for path, says in (
        (link, "symbolic link"),
        (fifo, "not a regular file"),
        (tmp_path / "no", "no such file"),
    ):
        code, out, err = _run(capsys, "mta-sts", "check", str(path))
        assert code == 1 and out == "" and says in err and err.count("\n") == 1


def test_p12_hostile_txt_record(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    policy = tmp_path / "mta-sts.txt"
    policy.write_text(GOOD)
    code, _, err = _run(
        capsys, "mta-sts", "check", str(policy), "--txt", "v=STSv1; id=" + "a" * 5000
    )
    assert code == 1 and "at most 1024" in err and err.count("\n") == 1


def test_i5_user_bytes_reach_the_terminal_escaped(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A file name, an mx line, --mx and --host with an escape sequence: shown, never run."""
    policy = tmp_path / "p\x1b[2J.txt"
    policy.write_text(GOOD.replace("mx: sandbox.test", "mx: evil\x1b]0;owned\x07.test"))
    _, out, err = _run(capsys, "mta-sts", "check", str(policy), "--mx", "bad\x1b[31m.test")
    _, out2, err2 = _run(capsys, "mta-sts", "check", str(tmp_path / "no\x1b[31m"))
    _, out3, err3 = _run(capsys, "dane", "tlsa", "--sandbox", "--host", "evil\x1b[31m.test")
    _, out4, err4 = _run(capsys, "dane", "tlsa", str(tmp_path / "c\x1b[31m.pem"))
    said = out + err + out2 + err2 + out3 + err3 + out4 + err4
    assert "\x1b" not in said and "\x07" not in said
    assert "bad\\x1b[31m.test" in out and "p\\x1b[2J.txt" in out
    assert "no\\x1b[31m: no such file" in err2
    assert "_25._tcp.evil\\x1b[31m.test. IN TLSA 3 1 1 " in out3
    assert "c\\x1b[31m.pem: no such file" in err4


def test_p13_dane_tlsa_equals_openssl(capsys: pytest.CaptureFixture[str]) -> None:
    openssl = external_tool("openssl")
    cert = ensure_certs().server_cert
    pub = subprocess.run(
        [openssl, "x509", "-pubkey", "-noout", "-in", str(cert)], capture_output=True, check=True
    ).stdout
    der = subprocess.run(
        [openssl, "pkey", "-pubin", "-outform", "DER"], input=pub, capture_output=True, check=True
    ).stdout
    digest = subprocess.run(
        [openssl, "dgst", "-sha256"], input=der, capture_output=True, check=True
    ).stdout
    expected = digest.decode().split("=")[-1].strip()
    code, out, err = _run(capsys, "dane", "tlsa", str(cert), "--host", "sandbox.test")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == f"_25._tcp.sandbox.test. IN TLSA 3 1 1 {expected}"
    assert lines[1].startswith("  usage 3: DANE-EE") and lines[2].startswith("  selector 1: SPKI")
    assert lines[3].startswith("  matching type 1: SHA-256")
    code, out, _ = _run(capsys, "dane", "tlsa", str(cert), "--lang", "ja")
    assert "名前も有効期限も確認しない" in out


@pytest.mark.parametrize(
    ("content", "says"),
    [(b"not a certificate", "PEM"), (b"\x00" * 100_000, "larger than")],
    ids=["garbage", "100k-nul"],
)
def test_p13_dane_tlsa_on_a_bad_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: bytes, says: str
) -> None:
    path = tmp_path / "cert.pem"
    path.write_bytes(content)
    code, out, err = _run(capsys, "dane", "tlsa", str(path))
    assert code == 1 and out == "" and err.count("\n") == 1 and "Traceback" not in err


def test_p14_testing_to_enforce_strip_goes_from_sent_reported_to_not_sent(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    reports = tmp_path / "reports"
    code, out, _ = _run(
        capsys,
        "mta-sts",
        "lab",
        "--mode",
        "testing",
        "--attack",
        "strip",
        "--report-dir",
        str(reports),
    )
    assert code == 0
    assert "the message went in PLAINTEXT to the real server" in out
    assert '"result-type": "starttls-not-supported"' in out
    code, out, _ = _run(
        capsys,
        "mta-sts",
        "lab",
        "--mode",
        "enforce",
        "--attack",
        "strip",
        "--report-dir",
        str(reports),
    )
    assert code == 0
    assert "the message was not sent" in out
    files = sorted(reports.iterdir())
    assert len(files) == 2
    modes = {json.loads(f.read_text())["policies"][0]["policy"]["policy-string"][1] for f in files}
    assert modes == {"mode: testing", "mode: enforce"}


def test_p14_dane_lab_signed_and_unsigned(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = _run(
        capsys,
        "dane",
        "lab",
        "--zone",
        "signed",
        "--attack",
        "impersonate",
        "--report-dir",
        str(tmp_path),
    )
    assert code == 0 and "the message was not sent" in out and "validation-failure" in out
    code, out, _ = _run(
        capsys,
        "dane",
        "lab",
        "--zone",
        "unsigned",
        "--attack",
        "impersonate",
        "--lang",
        "ja",
        "--report-dir",
        str(tmp_path),
    )
    assert code == 0 and "DANE は無視される" in out and "攻撃者" in out


def test_p14_the_lab_world_matrix_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "mta-sts", "matrix")
    assert code == 0
    rows = {line.split()[0]: line for line in out.splitlines() if line.startswith(("strip", "imp"))}
    assert rows["strip"].split()[1:] == [
        "plain",
        "READ",
        "+",
        "not",
        "sent",
        "+",
        "not",
        "sent",
        "+",
        "plain",
        "READ",
        "+",
    ]
    assert rows["impersonate"].split()[1:] == [
        "MITM",
        "READ",
        "+",
        "not",
        "sent",
        "+",
        "not",
        "sent",
        "+",
        "MITM",
        "READ",
    ]
    assert "certificate-host-mismatch: the certificate does not name the MX host" in out
