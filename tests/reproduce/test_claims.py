"""The verdicts of the claims table (python/eisnn_figures/claims.py) on
made-up measurements whose verdicts are known by construction."""

import unittest

import numpy as np

import claims
from claims import FAILS, HOLDS, NO_DATA


def network(seed, *, acc=0.9, naive_acc=0.5, i_ratio=1.5, naive_i_ratio=1.0, neg=1.0,
            naive_neg=1.0, diff=5.0, change=8.0, naive_change=2.0, align=0.2, naive_align=0.0,
            const=0.85, rand=0.6):
    """One network's record as claims.measure() makes it; per-unit lists of 50 units."""
    rng = np.random.default_rng(seed)

    def units(mean):
        return (mean + 0.1 * rng.standard_normal(50)).tolist()

    return {"run": f"x-s{seed}", "seed": seed, "per_ms_accuracy": acc, "pre_change_accuracy": acc,
            "end_accuracy": acc, "response_delay_ms": 200.0, "mse": 0.1,
            "naive_per_ms_accuracy": naive_acc, "i_ratio": i_ratio + 0.01 * seed,
            "naive_i_ratio": naive_i_ratio + 0.01 * seed, "e_ratio": 1.0,
            "neg_ratio": neg + 0.01 * seed,
            "naive_neg_ratio": naive_neg + 0.01 * seed, "sign_changed_fraction": 0.1,
            "rate_state1_hz": 20 + diff / 2, "rate_state0_hz": 20 - diff / 2,
            "state_rate_diff_hz": diff + 0.01 * seed, "fraction_state_modulated": 0.5,
            "naive_fraction_state_modulated": 0.1,
            "units_abs_rate_change_hz": units(change),
            "naive_units_abs_rate_change_hz": units(naive_change),
            "units_input_alignment_mV": units(align), "naive_units_input_alignment_mV":
                units(naive_align),
            "units_exc_alignment_mV": units(align), "naive_units_exc_alignment_mV":
                units(naive_align),
            "jitter_j_ms": [0, 1, 3],
            "jitter_delay_constant_accuracy": [acc, acc, const + 0.001 * seed],
            "jitter_delay_random_accuracy": [acc, acc, rand + 0.001 * seed],
            "jitter_input_accuracy": [acc, acc, rand], "unperturbed_accuracy": acc}


def study(n, **per_condition):
    """n networks of every condition; per_condition: {condition: network() keywords}."""
    return {c: [network(s, **per_condition.get(c.replace("-", "_"), {})) for s in range(n)]
            for c in ("main", "one-hot", "no-dale", "lower-inhibition", "rate-only")}


def verdicts(m):
    return {c["id"]: c["verdict"] for c in claims.judge(m)}


class Verdicts(unittest.TestCase):
    def test_the_study_as_published_holds_everywhere(self):
        m = study(6, one_hot={"diff": 0.0}, no_dale={"neg": 1.0, "naive_neg": 1.0, "acc": 0.6})
        self.assertEqual(verdicts(m), {k: HOLDS for k in ("C1", "C2", "C3", "C4", "C5", "C6")})

    def test_two_networks_are_not_enough_for_tests_across_networks(self):
        # KS with 2 against 2 networks cannot go below p = 1/3.
        v = verdicts(study(2, one_hot={"diff": 0.0}, no_dale={"acc": 0.6}))
        for cid in ("C3", "C4", "C5", "C6"):
            self.assertEqual(v[cid], NO_DATA, cid)
        # Per-unit comparisons pool 100 units per side: enough.
        self.assertEqual(v["C1"], HOLDS)
        self.assertEqual(v["C2"], HOLDS)

    def test_no_push_pull_when_trained_equals_naive(self):
        v = verdicts(study(6, main={"i_ratio": 1.0, "naive_i_ratio": 1.0}))
        self.assertEqual(v["C3"], FAILS)

    def test_ratio_above_naive_but_below_one_is_not_push_pull(self):
        v = verdicts(study(6, main={"i_ratio": 0.9, "naive_i_ratio": 0.5}))
        self.assertEqual(v["C3"], FAILS)

    def test_one_hot_with_unequal_rates_fails_c4(self):
        v = verdicts(study(6, one_hot={"diff": 5.0}))
        self.assertEqual(v["C4"], FAILS)

    def test_no_dale_with_the_motif_fails_c5(self):
        v = verdicts(study(6, no_dale={"neg": 2.0, "naive_neg": 1.0, "acc": 0.6}))
        self.assertEqual(v["C5"], FAILS)

    def test_no_dale_as_good_as_main_fails_c5(self):
        v = verdicts(study(6, no_dale={"acc": 0.9}))
        self.assertEqual(v["C5"], FAILS)

    def test_jitter_without_effect_fails_c6(self):
        v = verdicts(study(6, main={"const": 0.85, "rand": 0.85}))
        self.assertEqual(v["C6"], FAILS)

    def test_c6_without_j3_lacks_data(self):
        m = study(6)
        for r in m["main"]:
            r["jitter_j_ms"] = [0, 1, 2]
        self.assertEqual(verdicts(m)["C6"], NO_DATA)

    def test_untrained_rates_fail_c1_and_c2(self):
        v = verdicts(study(3, main={"change": 2.0, "naive_change": 2.0, "align": 0.0}))
        self.assertEqual(v["C1"], FAILS)
        self.assertEqual(v["C2"], FAILS)

    def test_missing_conditions_lack_data(self):
        m = study(6)
        del m["one-hot"], m["no-dale"]
        v = verdicts(m)
        self.assertEqual(v["C4"], NO_DATA)
        self.assertEqual(v["C5"], NO_DATA)
        self.assertEqual(verdicts({}), {k: NO_DATA for k in ("C1", "C2", "C3", "C4", "C5", "C6")})

    def test_nan_values_are_left_out(self):
        m = study(6)
        m["main"][0]["i_ratio"] = float("nan")
        c3 = [c for c in claims.judge(m) if c["id"] == "C3"][0]
        self.assertEqual(c3["parts"][0]["n"], [5, 6])


class Combination(unittest.TestCase):
    def test_a_failing_part_decides_before_missing_data(self):
        self.assertEqual(claims.combine(HOLDS, NO_DATA, FAILS), FAILS)
        self.assertEqual(claims.combine(HOLDS, NO_DATA), NO_DATA)
        self.assertEqual(claims.combine(HOLDS, HOLDS), HOLDS)

    def test_smallest_ks_p(self):
        self.assertAlmostEqual(claims.min_ks_p(2, 2), 1 / 3)
        self.assertLess(claims.min_ks_p(4, 4), 0.05)
        self.assertEqual(claims.min_ks_p(0, 5), 1.0)


class Summary(unittest.TestCase):
    def test_task_success_and_scalars(self):
        m = study(3)
        t = claims.task_success(m)
        self.assertEqual(t["main"]["n_networks"], 3)
        self.assertAlmostEqual(t["main"]["per_ms_accuracy"]["mean"], 0.9)
        s = claims.scalars(m)
        self.assertNotIn("units_abs_rate_change_hz", s["main"][0])
        self.assertIn("i_ratio", s["main"][0])
        html = claims.html_section(claims.judge(m), t, {"quick": True, "settings": {}})
        self.assertIn("QUICK RUN", html)
        self.assertIn("<h2>Claims</h2>", html)
        self.assertNotIn("Not learned", html)

    def test_networks_that_did_not_learn_are_named(self):
        m = study(3, rate_only={"acc": 0.5, "naive_acc": 0.5})
        html = claims.html_section(claims.judge(m), claims.task_success(m), {})
        self.assertIn("Not learned:</b> trained networks of rate-only score", html)


if __name__ == "__main__":
    unittest.main()
