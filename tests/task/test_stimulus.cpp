// Dot-motion stimulus: exact counts, directions, wrap-around, trial table.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "eisnn/task/stimulus.hpp"
#include "task_test_util.hpp"

namespace eisnn::task {
namespace {

using testing::expect_input_error;

int count_in_direction(const std::vector<double>& directions_deg, double direction_deg) {
  int n = 0;
  for (double d : directions_deg) n += d == direction_deg;
  return n;
}

TEST(Stimulus, CoherentDotCountsAreCeilOfCoherenceTimesDots) {
  const DotMotion dots(TaskParams{});
  EXPECT_EQ(dots.n_coherent(0.15), 23);  // ceil(22.5)
  EXPECT_EQ(dots.n_coherent(1.0), 150);
  EXPECT_EQ(dots.n_coherent(0.1), 15);  // 0.1 * 150 is 15.000000000000002 in doubles
  EXPECT_EQ(dots.n_coherent(0.0), 0);
}

TEST(Stimulus, CoherentDotsShareTheTrialDirectionAndOthersKeepTheirsUntilTheChange) {
  const DotMotion dots(TaskParams{});
  const TrialSpec trial{0, /*start_state=*/0, /*change_frame=*/100, /*direction_deg=*/90.0};
  Rng rng = dot_rng(3, 0);
  std::vector<double> first_directions, change_directions;
  dots.run(trial, rng, [&](int f, const DotField& field) {
    if (f < 100) {
      EXPECT_EQ(count_in_direction(field.direction_deg, 90.0), 23) << "frame " << f;
      if (f == 0) first_directions = field.direction_deg;
      EXPECT_EQ(field.direction_deg, first_directions) << "directions redrawn without change";
    } else {
      EXPECT_EQ(count_in_direction(field.direction_deg, 90.0), 150) << "frame " << f;
    }
  });
}

TEST(Stimulus, RandomDirectionsAreRedrawnAtTheChange) {
  const DotMotion dots(TaskParams{});
  const TrialSpec trial{0, /*start_state=*/1, /*change_frame=*/60, /*direction_deg=*/180.0};
  Rng rng = dot_rng(5, 2);
  std::vector<double> before, after;
  dots.run(trial, rng, [&](int f, const DotField& field) {
    if (f == 59) before = field.direction_deg;
    if (f == 60) after = field.direction_deg;
  });
  EXPECT_EQ(count_in_direction(before, 180.0), 150);
  EXPECT_EQ(count_in_direction(after, 180.0), 23);
  // The 127 incoherent dots now move in directions seen nowhere before.
  std::set<double> fresh(after.begin() + 23, after.end());
  EXPECT_EQ(fresh.size(), 127u);
  EXPECT_EQ(fresh.count(180.0), 0u);
}

TEST(Stimulus, DotsWrapAroundTheApertureAndKeepPositionsAcrossTheChange) {
  const TaskParams p;
  const DotMotion dots(p);
  const TrialSpec trial{0, /*start_state=*/1, /*change_frame=*/120, /*direction_deg=*/90.0};
  const double step_deg = p.speed_deg_s / p.fps;  // 0.25 deg per frame, rightwards
  Rng rng = dot_rng(11, 4);
  DotField previous;
  std::vector<int> wraps(p.n_dots, 0);
  dots.run(trial, rng, [&](int f, const DotField& field) {
    for (int i = 0; i < p.n_dots; ++i) {
      EXPECT_GE(field.x_deg[i], -0.5 * p.aperture_w_deg);
      EXPECT_LE(field.x_deg[i], 0.5 * p.aperture_w_deg);
      EXPECT_GE(field.y_deg[i], -0.5 * p.aperture_h_deg);
      EXPECT_LE(field.y_deg[i], 0.5 * p.aperture_h_deg);
      if (f == 0) continue;
      // Every dot moves by its own step; at the change it moves from where it
      // was with its new direction (no fresh positions).
      double dx = field.x_deg[i] - previous.x_deg[i];
      double dy = field.y_deg[i] - previous.y_deg[i];
      if (std::fabs(dx - field.dx_deg[i]) > 1e-9) {
        dx += dx < 0 ? p.aperture_w_deg : -p.aperture_w_deg;
        if (i < p.n_dots) ++wraps[i];
      }
      if (std::fabs(dy - field.dy_deg[i]) > 1e-9)
        dy += dy < 0 ? p.aperture_h_deg : -p.aperture_h_deg;
      EXPECT_NEAR(dx, field.dx_deg[i], 1e-9) << "dot " << i << " frame " << f;
      EXPECT_NEAR(dy, field.dy_deg[i], 1e-9) << "dot " << i << " frame " << f;
    }
    if (f < 120) {  // all coherent: exactly 0.25 deg right, none vertical
      for (int i = 0; i < p.n_dots; ++i) {
        EXPECT_NEAR(field.dx_deg[i], step_deg, 1e-12);
        EXPECT_NEAR(field.dy_deg[i], 0.0, 1e-12);
      }
    }
    previous = field;
  });
  // 120 frames x 0.25 deg = 30 deg: most of the 42-deg aperture; many dots wrapped.
  int n_wrapped = 0;
  for (int w : wraps) n_wrapped += w > 0;
  EXPECT_GT(n_wrapped, 50);
}

TEST(Stimulus, AngleToPixelFollowsTheGenerator) {
  const DotMotion dots(TaskParams{});
  EXPECT_EQ(dots.x_px(0.0), 160);
  EXPECT_EQ(dots.y_px(0.0), 90);
  // 2 * 50 cm * tan(10.5 deg) / (30/320 cm) = 197.7 -> 198 px from the centre.
  EXPECT_EQ(dots.x_px(21.0), 160 + 198);
  EXPECT_EQ(dots.x_px(-21.0), 160 - 198);
  EXPECT_EQ(dots.y_px(5.0),
            90 + static_cast<int>(std::lround(100 * std::tan(2.5 * M_PI / 180) / (30.0 / 320))));
}

TEST(Stimulus, OneDotCoversItsAreaAndTheResizePicksPixelCentres) {
  TaskParams p;
  p.n_dots = 1;
  const DotMotion dots(p);
  DotField field;
  field.x_deg = {0.0};
  field.y_deg = {0.0};
  std::vector<std::uint8_t> window(320 * 180), frame(64 * 36);
  dots.render_window(field, window.data());
  double area = 0;
  for (auto v : window) area += v / 255.0;
  EXPECT_NEAR(area, M_PI * 4.5 * 4.5, 0.5);
  EXPECT_EQ(window[90 * 320 + 160], 255);
  EXPECT_EQ(window[90 * 320 + 170], 0);

  // 320 x 180 -> 64 x 36 is a 5x reduction: with half-pixel centres every
  // sample falls on pixel (5 i + 2, 5 j + 2).
  for (std::size_t k = 0; k < window.size(); ++k)
    window[k] = static_cast<std::uint8_t>(k * 7 % 251);
  dots.resize(window.data(), frame.data());
  for (int j = 0; j < 36; ++j)
    for (int i = 0; i < 64; ++i)
      ASSERT_EQ(frame[j * 64 + i], window[(5 * j + 2) * 320 + 5 * i + 2]);
}

TEST(Stimulus, TrialTableBalancesChangesAndStartStatesPerMovie) {
  TaskParams p;
  p.n_trials = 600;
  const auto table = make_trial_table(p, 42);
  ASSERT_EQ(table.size(), 600u);
  std::set<int> change_frames;
  for (int m = 0; m < 60; ++m) {
    int n_change = 0, n_start1 = 0;
    for (int k = 0; k < 10; ++k) {
      const TrialSpec& t = table[m * 10 + k];
      EXPECT_EQ(t.movie, m);
      n_change += t.change_frame >= 0;
      n_start1 += t.start_state;
      EXPECT_TRUE(t.direction_deg == 0 || t.direction_deg == 90 || t.direction_deg == 180 ||
                  t.direction_deg == 270);
      if (t.change_frame >= 0) {
        EXPECT_GE(t.change_frame, 30);   // 0.5 s at 60 fps
        EXPECT_LE(t.change_frame, 210);  // 3.5 s
        change_frames.insert(t.change_frame);
      }
    }
    EXPECT_EQ(n_change, 5) << "movie " << m;
    EXPECT_EQ(n_start1, 5) << "movie " << m;
  }
  EXPECT_GT(change_frames.size(), 100u);  // spread over the window, not clumped
  EXPECT_EQ(make_trial_table(p, 42)[123].change_frame, table[123].change_frame);
}

TEST(Stimulus, LabelsFollowTheTrialTableAtSeventeenMsPerFrame) {
  const TrialSpec t{0, 1, 100, 0.0};
  std::vector<std::uint8_t> labels(240 * 17);
  trial_labels(t, 240, 17, labels.data());
  EXPECT_EQ(labels[0], 1);
  EXPECT_EQ(labels[100 * 17 - 1], 1);
  EXPECT_EQ(labels[100 * 17], 0);
  EXPECT_EQ(labels.back(), 0);
}

TEST(Stimulus, MoviesAreDeterministicPerSeedAndTrial) {
  const DotMotion dots(TaskParams{});
  const TrialSpec t{0, 0, 90, 270.0};
  std::vector<std::uint8_t> a(240 * 36 * 64), b(a.size()), c(a.size());
  dots.movie(t, 9, 3, a.data());
  dots.movie(t, 9, 3, b.data());
  dots.movie(t, 10, 3, c.data());
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(Stimulus, DotLifetimeReplotsDots) {
  TaskParams p;
  p.dot_lifetime_frames = 10;
  const DotMotion dots(p);
  const TrialSpec t{0, 1, -1, 0.0};
  Rng rng = dot_rng(1, 0);
  int jumps = 0;
  DotField previous;
  dots.run(t, rng, [&](int f, const DotField& field) {
    if (f > 0)
      for (int i = 0; i < p.n_dots; ++i)
        jumps += std::fabs(field.x_deg[i] - previous.x_deg[i]) > 1e-9;
    previous = field;
  });
  // Coherent upward motion never changes x; only replotting does: one in ten
  // frames per dot.
  EXPECT_NEAR(jumps, 150 * 239 / 10, 150);
}

TEST(Stimulus, BadParametersAreRejectedWithTheKeyNamed) {
  TaskParams p;
  p.coherence_low = 1.5;
  expect_input_error([&] { DotMotion d(p); }, {"coherence_low", "1.5", "[0, 1]"});
  p = TaskParams{};
  p.coherence_high = -0.1;
  expect_input_error([&] { make_trial_table(p, 1); }, {"coherence_high"});
  p = TaskParams{};
  p.n_trials = 15;
  expect_input_error([&] { make_trial_table(p, 1); }, {"n_trials", "15", "trials_per_movie"});
  p = TaskParams{};
  p.change_max_s = 4.0;
  expect_input_error([&] { make_trial_table(p, 1); }, {"change_max_s"});
}

}  // namespace
}  // namespace eisnn::task
