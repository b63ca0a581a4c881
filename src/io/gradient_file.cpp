#include "eisnn/io/gradient_file.hpp"

#include "eisnn/io/h5.hpp"
#include "eisnn/neuron.hpp"

namespace eisnn {
namespace {

// Dense [n_pre][n_post] values and presence mask of sparse per-synapse values.
void write_dense(h5::File& f, const std::string& values_name, const std::string& mask_name,
                 const SparseWeights& w, const std::vector<float>& per_synapse) {
  const std::size_t n_post = static_cast<std::size_t>(w.n_post);
  std::vector<float> dense(static_cast<std::size_t>(w.n_pre) * n_post, 0.0f);
  std::vector<std::uint8_t> mask(dense.size(), 0);
  for (int i = 0; i < w.n_pre; ++i)
    for (std::uint32_t s = w.begin(i); s < w.end(i); ++s) {
      dense[i * n_post + w.post[s]] = per_synapse[s];
      mask[i * n_post + w.post[s]] = 1;
    }
  const h5::Shape shape{static_cast<std::size_t>(w.n_pre), n_post};
  f.write(values_name, dense, shape);
  if (!mask_name.empty()) f.write(mask_name, mask, shape);
}

}  // namespace

void write_gradient_file(const std::filesystem::path& path, const Network& net,
                         const Config& config, const BatchData& batch, const BatchOutcome& outcome,
                         const WeightGradients& grads) {
  const NeuronConstants k = NeuronConstants::from(config.neuron);
  const std::size_t n_trials = batch.input.size(), n_steps = batch.n_steps;
  const std::size_t n = net.n_units(), n_in = net.n_in, n_out = net.n_out;

  h5::AtomicWriter writer(path);
  h5::File& f = writer.file();
  f.set_attr("/", "E_L_mV", config.neuron.E_L_mV);
  f.set_attr("/", "v_th_mV", config.neuron.v_th_mV);
  f.set_attr("/", "alpha", static_cast<double>(k.alpha));
  f.set_attr("/", "rho", static_cast<double>(k.rho));
  f.set_attr("/", "beta_mV", config.neuron.beta_mV);
  f.set_attr("/", "n_ref", static_cast<std::int64_t>(k.n_ref));
  f.set_attr("/", "gamma_pd", config.neuron.gamma_pd);
  f.set_attr("/", "readout_decay", config.neuron.readout_decay);
  f.set_attr("/", "rate_target", config.training.rate_target_per_ms);
  f.set_attr("/", "rate_cost", config.training.rate_cost);
  f.set_attr("/", "loss_kind", config.training.loss);
  f.set_attr("/", "rate_loss_kind", config.training.rate_loss);

  write_dense(f, "network/w_in", "network/mask_in", net.w_in, net.w_in.w_mV);
  write_dense(f, "network/w_rec", "network/mask_rec", net.w_rec, net.w_rec.w_mV);
  write_dense(f, "network/w_out", "network/mask_out", net.w_out, net.w_out.w_mV);
  write_dense(f, "grad/w_in", "", net.w_in, grads.w_in);
  write_dense(f, "grad/w_rec", "", net.w_rec, grads.w_rec);
  write_dense(f, "grad/w_out", "", net.w_out, grads.w_out);

  std::vector<std::uint8_t> x(n_trials * n_steps * n_in, 0), z(n_trials * n_steps * n, 0);
  std::vector<float> v0, target, y;
  for (std::size_t b = 0; b < n_trials; ++b) {
    for (std::size_t t = 0; t < n_steps; ++t) {
      for (auto c : batch.input[b].at(static_cast<int>(t))) x[(b * n_steps + t) * n_in + c] = 1;
      for (auto u : outcome.spikes[b]->at(static_cast<int>(t))) z[(b * n_steps + t) * n + u] = 1;
    }
    v0.insert(v0.end(), batch.v0_mV[b].begin(), batch.v0_mV[b].end());
    target.insert(target.end(), batch.target[b], batch.target[b] + n_steps * n_out);
    y.insert(y.end(), outcome.y[b]->begin(), outcome.y[b]->end());
  }
  f.write("input/spikes", x, {n_trials, n_steps, n_in});
  f.write("input/v0", v0, {n_trials, n});
  f.write("input/target", target, {n_trials, n_steps, n_out});
  f.write("spikes/z", z, {n_trials, n_steps, n});
  f.write("output/y", y, {n_trials, n_steps, n_out});
  f.write("loss/task", std::vector<double>{outcome.loss.task});
  f.write("loss/rate", std::vector<double>{outcome.loss.rate});
  f.write("loss/total", std::vector<double>{outcome.loss.total});
  writer.commit();
}

}  // namespace eisnn
