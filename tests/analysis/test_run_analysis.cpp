// The dissection of a whole run: a tiny network trained for 12 epochs, read
// back from its folder, analysed and perturbed; and the messages for bad input.
#include <gtest/gtest.h>

#include <fstream>

#include "analysis_test_util.hpp"
#include "eisnn/analysis/run_analysis.hpp"
#include "eisnn/error.hpp"
#include "eisnn/io/h5.hpp"
#include "eisnn/io/run_record.hpp"
#include "eisnn/train/trainer.hpp"

namespace eisnn::analysis {
namespace {

namespace fs = std::filesystem;
using testing::fresh_dir;
using testing::small_config;
using testing::synthetic_dataset;

// Expects `f` to throw InputError whose message contains every one of `parts`.
template <class F>
void expect_input_error(F f, std::initializer_list<const char*> parts) {
  try {
    f();
    FAIL() << "no InputError";
  } catch (const InputError& e) {
    const std::string m = e.what();
    for (const char* p : parts) EXPECT_NE(m.find(p), std::string::npos) << m;
  }
}

class TinyRun : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_ = new task::Dataset(synthetic_dataset());
    dir_ = new fs::path(fresh_dir("run"));
    const Config c = small_config(
        {"training.epochs=12", "training.snapshot_every_epochs=2", "connectivity.w_in_max_mV=6"});
    Trainer t(c, *data_, *dir_);
    ASSERT_TRUE(t.run());
    write_run_record(*dir_, c, {});
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
    delete data_;
  }
  static task::Dataset* data_;
  static fs::path* dir_;
};
task::Dataset* TinyRun::data_ = nullptr;
fs::path* TinyRun::dir_ = nullptr;

TEST_F(TinyRun, AnalysisCoversNaiveTrainedAndEverySnapshot) {
  const RunFolder run = open_run(*dir_);
  EXPECT_EQ(run.trained_source, "network.h5");
  EXPECT_EQ(run.trained_epoch, 12);
  ASSERT_EQ(run.snapshots.size(), 7u);  // epochs 0, 2, ..., 12

  AnalyzeOptions o;
  o.threads = 2;
  const RunAnalysis a = analyze_run(run, *data_, o);
  ASSERT_EQ(a.networks.size(), 3u);
  EXPECT_EQ(a.networks[0].name, "naive0");
  EXPECT_EQ(a.networks[1].name, "naive10");
  EXPECT_EQ(a.networks[2].name, "trained");
  const NetworkAnalysis& trained = a.networks[2];
  EXPECT_EQ(trained.tuning.n_units(), 50);
  EXPECT_EQ(trained.tuning.n_trials_state1 + trained.tuning.n_trials_state0, 4);
  ASSERT_TRUE(trained.rec_sign_changes);
  EXPECT_EQ(trained.rec_sign_changes->n_changed, 0);  // Dale's principle

  // The held-out score is the trainer's (same trials, same input spikes).
  const h5::File heldout = h5::File::open(*dir_ / "heldout.h5");
  EXPECT_DOUBLE_EQ(trained.score.per_ms_accuracy, heldout.attr_double("/", "per_ms_accuracy"));

  // Snapshots 0..10 (6) and the trained network; epoch 12's snapshot is the trained network.
  EXPECT_EQ(a.course.epoch, (std::vector<int>{0, 2, 4, 6, 8, 10, 12}));
  EXPECT_DOUBLE_EQ(a.course.own.back().i_ratio, trained.ratios.i_ratio);
  EXPECT_DOUBLE_EQ(a.course.own.front().i_ratio, a.networks[0].ratios.i_ratio);
  EXPECT_GE(a.raster.trial, 0);

  const fs::path out = *dir_ / "out" / "analysis.h5";
  fs::create_directories(out.parent_path());
  write_analysis(a, run, out);
  const h5::File f = h5::File::open(out);
  EXPECT_EQ(f.shape("networks/trained/blocks/mean_mV"), (h5::Shape{4, 4}));
  EXPECT_EQ(f.read<std::int32_t>("networks/trained/tuning/group").size(), 50u);
  EXPECT_EQ(f.shape("training/blocks_mV"), (h5::Shape{7, 4, 4}));
  EXPECT_TRUE(f.exists("metrics/heldout/per_ms_accuracy"));
  EXPECT_NE(summarize(a, run).find("trained"), std::string::npos);
}

TEST_F(TinyRun, PerturbationsReportEveryCondition) {
  const RunFolder run = open_run(*dir_);
  PerturbOptions o;
  o.j_ms = {0, 2};
  o.n_repeats = 2;
  const PerturbationReport p = perturb_network(run.trained, run.config, *data_, o);
  ASSERT_EQ(p.jitter.input_accuracy.size(), 2u);
  // J = 0 is the unperturbed network, exactly.
  for (double acc : p.jitter.input_accuracy[0]) EXPECT_EQ(acc, p.baseline.per_ms_accuracy);
  for (double acc : p.jitter.random_accuracy[0]) EXPECT_EQ(acc, p.baseline.per_ms_accuracy);
  EXPECT_EQ(p.jitter.constant_mse[0], p.baseline.mse);
  ASSERT_EQ(p.silencing.size(), 8u);
  EXPECT_EQ(p.silencing[0].name, "input_to_output_units");
  EXPECT_EQ(p.silencing[0].n_silenced, 0);  // no input to output-projecting units
  EXPECT_EQ(p.silencing[0].mse[0], p.baseline.mse);
  EXPECT_EQ(p.silencing[3].per_ms_accuracy.size(), 2u);  // one draw per repeat

  const fs::path out = *dir_ / "out" / "perturb.h5";
  fs::create_directories(out.parent_path());
  write_perturbation(p, run, o, out);
  EXPECT_EQ(h5::File::open(out).shape("jitter/input/per_ms_accuracy"), (h5::Shape{2, 2}));
}

TEST_F(TinyRun, OneHotMeasuresOfAOneOutputRunAreRefused) {
  const RunFolder run = open_run(*dir_);
  AnalyzeOptions o;
  o.one_hot = true;
  expect_input_error([&] { analyze_run(run, *data_, o); }, {"one-hot", "1", "main"});
}

TEST(BadInput, FolderWithoutTrainedNetwork) {
  const fs::path dir = fresh_dir("unfinished");
  write_run_record(dir, small_config(), {});
  expect_input_error([&] { open_run(dir); }, {"no trained network", "network.h5"});
  expect_input_error([&] { open_run(dir / "missing"); }, {"does not exist"});
  const fs::path empty = fresh_dir("empty");
  expect_input_error([&] { open_run(empty); }, {"config.toml"});
  fs::remove_all(dir);
  fs::remove_all(empty);
}

TEST(BadInput, CorruptNetworkFile) {
  const fs::path dir = fresh_dir("corrupt");
  write_run_record(dir, small_config(), {});
  std::ofstream(dir / "network.h5") << "not an HDF5 file";
  expect_input_error([&] { open_run(dir); }, {"network.h5", "HDF5"});
  fs::remove_all(dir);
}

}  // namespace
}  // namespace eisnn::analysis

namespace eisnn::analysis {
namespace {

TEST(OtherConditions, OneHotAndNoDaleRunsAreAnalysed) {
  const task::Dataset data = testing::synthetic_dataset();
  for (const std::string condition : {"one-hot", "no-dale"}) {
    const fs::path dir = fresh_dir(condition);
    const Config c = small_config(
        {"condition=" + condition, "training.epochs=2", "training.snapshot_every_epochs=1"});
    Trainer t(c, data, dir);
    ASSERT_TRUE(t.run());
    write_run_record(dir, c, {});
    const RunFolder run = open_run(dir);
    AnalyzeOptions o;
    o.one_hot = condition == "one-hot";
    const RunAnalysis a = analyze_run(run, data, o);
    EXPECT_EQ(a.one_hot, condition == "one-hot");
    const NetworkAnalysis& trained = a.networks.back();
    EXPECT_EQ(trained.readout_mV.size(), 4u * static_cast<std::size_t>(run.trained.n_out));
    ASSERT_TRUE(trained.rec_sign_changes);
    EXPECT_GT(trained.rec_sign_changes->n_compared, 0);
    if (condition == "no-dale") {
      // The mask is fixed: every synapse is compared with its initial self.
      EXPECT_EQ(static_cast<std::size_t>(trained.rec_sign_changes->n_compared),
                run.trained.w_rec.n_synapses());
    }
    write_analysis(a, run, dir / "analysis.h5");
    EXPECT_EQ(h5::File::open(dir / "analysis.h5").exists("networks/trained/one_hot"),
              condition == "one-hot");
    fs::remove_all(dir);
  }
}

}  // namespace
}  // namespace eisnn::analysis
