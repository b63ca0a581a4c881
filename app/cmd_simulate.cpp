// eisnn simulate: run a batch of trials of the configured network and write
// the network, the spikes, the readout and chosen voltage traces.
#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>

#include "commands.hpp"
#include "eisnn/error.hpp"
#include "eisnn/io/h5.hpp"
#include "eisnn/io/network_io.hpp"
#include "eisnn/io/run_record.hpp"
#include "eisnn/io/spike_io.hpp"
#include "eisnn/simulation.hpp"

namespace eisnn::app {
namespace {

// Input rates [n_trials or 1][n_steps][n_in] from simulation.rates_file, checked.
std::vector<float> read_rates(const std::filesystem::path& path, int n_trials, int n_steps,
                              int n_in, bool& per_trial) {
  const h5::File f = h5::File::open(path);
  const h5::Shape shape = f.shape("rates");
  auto bad = [&](const std::string& what) {
    throw InputError("rates file '" + path.string() + "': dataset 'rates' " + what);
  };
  if (shape.size() != 3 || (shape[0] != 1 && shape[0] != static_cast<std::size_t>(n_trials)) ||
      shape[1] != static_cast<std::size_t>(n_steps) || shape[2] != static_cast<std::size_t>(n_in))
    bad("must have shape (" + std::to_string(n_trials) + " or 1, " + std::to_string(n_steps) +
        ", " + std::to_string(n_in) + ") = (trials, ms, channels)");
  std::vector<float> rates = f.read<float>("rates");
  for (std::size_t i = 0; i < rates.size(); ++i)
    if (!(rates[i] >= 0.0f && rates[i] <= 1.0f))
      bad("holds " + std::to_string(rates[i]) + " at flat index " + std::to_string(i) +
          ": spike probabilities per ms must be in [0, 1]");
  per_trial = shape[0] != 1;
  return rates;
}

}  // namespace

void add_simulate_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("simulate", "Simulate a batch of trials and write spikes (HDF5)");
  auto flags = std::make_shared<ConfigFlags>();
  flags->add_to(*cmd);
  auto out = std::make_shared<std::string>();
  cmd->add_option("-o,--out", *out, "output folder")->required();

  cmd->callback([flags, out] {
    single_process_only("simulate");
    const auto started = std::chrono::steady_clock::now();
    RunInfo info{command_line(), 0, utc_now(), "", 0.0};
    Config config = flags->load();
    if (flags->threads > 0) config.simulation.threads = flags->threads;
    const SimulationParams& sim = config.simulation;
    const std::filesystem::path dir = *out;
    prepare_output_dir(dir);

    const Network net = build_network(config);
    bool per_trial = false;
    std::vector<float> rates;
    if (!sim.rates_file.empty()) {
      rates = read_rates(sim.rates_file, sim.n_trials, sim.duration_ms, net.n_in, per_trial);
    } else {
      rates.assign(static_cast<std::size_t>(sim.duration_ms) * net.n_in,
                   static_cast<float>(sim.input_rate));
    }
    const std::size_t trial_size = static_cast<std::size_t>(sim.duration_ms) * net.n_in;

    BatchRequest request;
    request.n_trials = sim.n_trials;
    request.n_steps = sim.duration_ms;
    request.rates = [&](int i) { return rates.data() + (per_trial ? i * trial_size : 0); };
    request.seed = config.seed;
    request.record_voltage = sim.record_voltage;
    request.threads = sim.threads;
    info.threads = sim.threads;
    spdlog::info("simulating {} trials x {} ms of {} E + {} I units ({} recurrent synapses)",
                 sim.n_trials, sim.duration_ms, net.n_e, net.n_i, net.w_rec.n_synapses());
    int last_decile = 0;
    const auto results = simulate_batch(net, config, request, [&](int done, int total) {
      const int decile = 10 * done / total;
      if (decile > last_decile) {
        last_decile = decile;
        spdlog::info("  {}/{} trials", done, total);
      }
    });

    std::uint64_t n_spikes = 0, n_events = 0;
    for (const auto& r : results) {
      n_spikes += r.spikes.n_spikes();
      n_events += r.n_synaptic_events;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const double rate_hz = 1000.0 * static_cast<double>(n_spikes) /
                           (static_cast<double>(sim.n_trials) * sim.duration_ms * net.n_units());
    spdlog::info("mean rate {:.2f} Hz, {} spikes, {} synaptic events", rate_hz, n_spikes, n_events);

    {
      h5::AtomicWriter writer(dir / "network.h5");
      write_network(writer.file(), net);
      writer.commit();
    }
    {
      h5::AtomicWriter writer(dir / "spikes.h5");
      write_trial_results(writer.file(), net, results, sim.duration_ms, sim.record_voltage);
      writer.commit();
    }
    info.finished = utc_now();
    info.wall_s = seconds;
    write_run_record(dir, config, info);
    spdlog::info("wrote {}/{{network.h5, spikes.h5, config.toml, run.toml}} in {:.2f} s",
                 dir.string(), seconds);
  });
}

}  // namespace eisnn::app
