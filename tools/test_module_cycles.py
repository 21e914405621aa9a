"""Specification of tools/module_cycles.py: which imports make a cycle
between top-level modules, and how the allow-list ratchets."""

import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import module_cycles as mc  # noqa: E402


class Crate:
    """A throw-away crate: files under src/, an allow-list beside it."""

    def __init__(self, files: dict[str, str], allow: str = ""):
        self.dir = tempfile.TemporaryDirectory()
        root = Path(self.dir.name)
        self.src = root / "src"
        for path, text in {"lib.rs": "pub mod a;\npub mod b;\n", **files}.items():
            p = self.src / path
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(text, encoding="utf-8")
        self.allow = root / "cycles.allow"
        self.allow.write_text(allow, encoding="utf-8")

    def check(self):
        return mc.check(self.src, self.allow)

    def edges(self):
        return {(a, b) for a, ts in mc.graph(self.src).items() for b in ts}

    def close(self):
        self.dir.cleanup()


def crate(test: unittest.TestCase, files, allow=""):
    c = Crate(files, allow)
    test.addCleanup(c.close)
    return c


class Dependencies(unittest.TestCase):
    def test_one_way_imports_pass(self):
        c = crate(self, {"a.rs": "use crate::b::B;\n", "b.rs": "pub struct B;\n"})
        ok, lines = c.check()
        self.assertTrue(ok, lines)
        self.assertEqual(c.edges(), {("a", "b")})

    def test_a_use_and_an_inline_path_make_a_cycle(self):
        c = crate(self, {"a.rs": "use crate::b::B;\n", "b/mod.rs": "fn f() { crate::a::g(); }\n"})
        ok, lines = c.check()
        self.assertFalse(ok)
        self.assertIn("import cycle between top-level modules: a b", lines)
        self.assertTrue(any("a -> b [NEW]: src/a.rs:1" in l for l in lines), lines)
        self.assertTrue(any("b -> a [NEW]: src/b/mod.rs:1" in l for l in lines), lines)

    def test_grouped_uses_name_every_module(self):
        c = crate(self, {"a.rs": "use crate::{\n  b::{X, Y},\n  c,\n};\n", "b.rs": "", "c.rs": ""})
        self.assertEqual(c.edges(), {("a", "b"), ("a", "c")})

    def test_super_paths_that_leave_the_module_count(self):
        c = crate(
            self,
            {
                "a/mod.rs": "mod x;\n",
                "a/x/y.rs": "use super::z;\nuse super::super::super::b::B;\n",
                "a/x/mod.rs": "use super::super::{b, c::C};\n",
                "b.rs": "",
                "c.rs": "",
            },
        )
        self.assertEqual(c.edges(), {("a", "b"), ("a", "c")})

    def test_cycles_inside_one_top_level_module_are_not_reported(self):
        c = crate(self, {"a/x.rs": "use crate::a::y;\n", "a/y.rs": "use crate::a::x;\nuse super::x;\n"})
        ok, lines = c.check()
        self.assertTrue(ok, lines)
        self.assertEqual(c.edges(), set())

    def test_comments_strings_and_macro_paths_are_not_imports(self):
        b = "\n".join(
            [
                "//! See [`crate::a`].",
                "/// Uses [`crate::a::A`] /* nested /* crate::a */ */",
                "/* outer /* inner */ crate::a */",
                'const S: &str = "crate::a::A";',
                'const R: &str = r#"crate::a "quoted" "#;',
                "const B: &[u8] = b\"crate::a\";",
                "const Q: char = '\"'; fn f<'x>(s: &'x str) -> &'x str { s }",
                "macro_rules! m { () => { $crate::a::A } }",
                "mod tests { use super::*; }",
            ]
        )
        c = crate(self, {"a.rs": "use crate::b;\n", "b.rs": b})
        ok, lines = c.check()
        self.assertTrue(ok, lines)
        self.assertEqual(c.edges(), {("a", "b")})

    def test_a_path_after_a_string_on_the_same_line_still_counts(self):
        c = crate(self, {"a.rs": 'fn f() { let _ = ("x\\"y", crate::b::g()); }\n', "b.rs": ""})
        self.assertEqual(c.edges(), {("a", "b")})

    def test_the_crate_roots_and_unknown_names_are_ignored(self):
        c = crate(
            self,
            {"lib.rs": "pub mod a;\nuse crate::a::A;\n", "main.rs": "use crate::a;", "a.rs": "use crate::Thing;\n"},
        )
        self.assertEqual(c.edges(), set())


class AllowList(unittest.TestCase):
    FILES = {"a.rs": "use crate::b::B;\n", "b.rs": "use crate::a::A;\n"}

    def test_a_cycle_whose_edges_are_all_allowed_passes(self):
        c = crate(self, self.FILES, "# being removed\na -> b\nb -> a  # the other way\n")
        ok, lines = c.check()
        self.assertTrue(ok, lines)

    def test_an_edge_not_listed_fails(self):
        c = crate(self, self.FILES, "a -> b\n")
        ok, lines = c.check()
        self.assertFalse(ok)
        self.assertTrue(any("b -> a [NEW]" in l for l in lines), lines)

    def test_a_module_joining_an_allowed_cycle_fails(self):
        files = {**self.FILES, "c.rs": "use crate::a::A;\n", "b.rs": "use crate::a::A;\nuse crate::c;\n"}
        c = crate(self, files, "a -> b\nb -> a\n")
        ok, lines = c.check()
        self.assertFalse(ok)
        self.assertIn("import cycle between top-level modules: a b c", lines)

    def test_an_allowed_edge_no_longer_in_a_cycle_must_be_removed(self):
        c = crate(self, {"a.rs": "use crate::b::B;\n", "b.rs": ""}, "a -> b\nb -> a\n")
        ok, lines = c.check()
        self.assertFalse(ok)
        self.assertTrue(any("allowed edge a -> b is no longer in a cycle" in l for l in lines), lines)
        self.assertTrue(any("allowed edge b -> a is no longer in a cycle" in l for l in lines), lines)

    def test_an_empty_or_missing_list_allows_nothing(self):
        c = crate(self, self.FILES)
        self.assertFalse(c.check()[0])
        c.allow.unlink()
        self.assertFalse(c.check()[0])

    def test_a_malformed_line_is_refused(self):
        c = crate(self, self.FILES, "a b\n")
        with self.assertRaises(ValueError):
            c.check()


class ThisCrate(unittest.TestCase):
    def test_the_project_has_no_cycle_beyond_its_allow_list(self):
        tools = Path(__file__).resolve().parent
        ok, lines = mc.check(tools.parent / "src", tools / "module_cycles.allow")
        self.assertTrue(ok, "\n".join(lines))


if __name__ == "__main__":
    unittest.main()
