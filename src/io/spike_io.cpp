#include "eisnn/io/spike_io.hpp"

namespace eisnn {

void write_trial_results(h5::File& f, const Network& net, const std::vector<TrialResult>& results,
                         int n_steps, const std::vector<int>& record) {
  std::vector<std::uint64_t> trial_start{0};
  std::vector<std::uint32_t> time_ms;
  std::vector<std::uint16_t> unit;
  std::vector<float> y, v;
  for (const TrialResult& r : results) {
    for (int t = 0; t < r.spikes.n_steps; ++t)
      for (std::uint16_t u : r.spikes.at(t)) {
        time_ms.push_back(static_cast<std::uint32_t>(t));
        unit.push_back(u);
      }
    trial_start.push_back(time_ms.size());
    y.insert(y.end(), r.y.begin(), r.y.end());
    v.insert(v.end(), r.v_mV.begin(), r.v_mV.end());
  }
  const std::size_t n_trials = results.size(), steps = static_cast<std::size_t>(n_steps);
  f.write("spikes/trial_start", trial_start);
  f.write("spikes/time_ms", time_ms);
  f.write("spikes/unit", unit);
  f.set_attr("/spikes", "n_trials", static_cast<std::int64_t>(n_trials));
  f.set_attr("/spikes", "n_steps", static_cast<std::int64_t>(n_steps));
  f.set_attr("/spikes", "n_units", static_cast<std::int64_t>(net.n_units()));
  f.set_attr("/spikes", "n_e", static_cast<std::int64_t>(net.n_e));
  f.write("output/y", y, {n_trials, steps, static_cast<std::size_t>(net.n_out)});
  if (!record.empty()) {
    f.write("voltage/units", record);
    f.write("voltage/v_mV", v, {n_trials, steps, record.size()});
  }
}

}  // namespace eisnn
