#include "eisnn/train/bptt.hpp"

#include <omp.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "eisnn/error.hpp"
#include "eisnn/kernel.hpp"
#include "eisnn/lanes.hpp"

namespace eisnn {

LossSettings LossSettings::from(const TrainingParams& p) {
  LossSettings s;
  s.task_in_gradient = p.loss != "rate";
  s.rate_in_gradient = p.loss != "task";
  s.rolling = p.rate_loss == "rolling";
  s.rate_cost = p.rate_cost;
  s.rate_target_per_ms = p.rate_target_per_ms;
  return s;
}

// What the backward pass needs of one trial's forward pass, and the trial's own gradient.
struct Bptt::Tape {
  SpikeTrain z;                            // network spikes by step
  std::vector<float> y;                    // [n_steps][n_out]
  std::vector<std::uint32_t> n_spikes_of;  // [n] spikes per unit in this trial
  std::vector<double> rate_sum_within;     // [n] rolling rate: this trial's sum of 2 (R_s - r0) / s
  double rate_sq_sum = 0;                  // sum over units and steps of (R_s - r0)^2
  double task_sq_sum = 0;                  // sum over steps and outputs of (y - target)^2
  std::vector<float> g_in, g_rec, g_out;   // this trial's gradient
};

// Pseudo-derivative factors of a group of kLanes trials, lane-major:
//   dv[t][unit][lane] = psi / (A_t - E_L)                 (ds/dv times psi)
//   dA[t][unit][lane] = psi (v_t - E_L) / (A_t - E_L)^2   (-ds/dA times psi)
// with psi = gamma max(0, 1 - |s_t|), 0 while refractory and in unused lanes.
// TODO: checkpoint the tape (keep every k-th step, recompute the steps between
// in the backward pass) for large networks: whole, it takes 64 bytes per unit and
// step per group of trials, 3 GB at N = 3000, T = 4080, 30 trials.
struct Bptt::GroupTape {
  std::vector<lanes_f> dv, dA;    // [n_steps * n_units]
  std::vector<lane_mask> active;  // [n_steps * n_units], bit per lane: psi > 0
};

namespace {

// Records a group's tape during the forward pass.
class TapeRecorder {
 public:
  TapeRecorder(const Network& net, const NeuronConstants& k, std::span<Bptt::Tape* const> tapes,
               Bptt::GroupTape& group)
      : net_(net), k_(k), tapes_(tapes), group_(group) {
    y_.assign(tapes.size() * net.n_out, 0.0f);
  }

  void step(int t, std::span<const lanes_f> v, std::span<const lanes_f> b_prev,
            std::span<const lanes_i> r_prev, std::span<const std::vector<std::uint16_t>> spikes) {
    const int n = static_cast<int>(v.size());
    const std::size_t at = static_cast<std::size_t>(t) * n;
    lanes_f* dv = group_.dv.data() + at;
    lanes_f* dA = group_.dA.data() + at;
    lane_mask* active = group_.active.data() + at;
    const lanes_f gap0 = splat(k_.v_th_mV - k_.E_L_mV), E_L = splat(k_.E_L_mV);
    const lanes_f beta = splat(k_.beta_mV), gamma = splat(k_.gamma_pd), zero{}, one = splat(1.0f);
    for (int u = 0; u < n; ++u) {
      const lanes_f gap = gap0 + beta * b_prev[u];  // A_t - E_L
      const lanes_f above_rest = v[u] - E_L;        // v_t - E_L
      const lanes_f s = (above_rest - gap) / gap;
      const lanes_f rise = one - (s < zero ? -s : s);
      const lanes_f psi = (r_prev[u] == 0) & (rise > zero) ? gamma * rise : zero;
      dv[u] = psi / gap;
      dA[u] = psi * above_rest / (gap * gap);
      active[u] = lane_bits(psi > zero);
    }

    for (std::size_t lane = 0; lane < tapes_.size(); ++lane) {
      Bptt::Tape& tape = *tapes_[lane];
      float* y = y_.data() + lane * net_.n_out;
      for (int o = 0; o < net_.n_out; ++o) y[o] *= k_.kappa;
      for (std::uint16_t u : spikes[lane]) {
        tape.z.push(u);
        ++tape.n_spikes_of[u];
        for (std::uint32_t s = net_.w_out.begin(u); s < net_.w_out.end(u); ++s)
          y[net_.w_out.post[s]] += net_.w_out.w_mV[s];
      }
      tape.z.end_step();
      tape.y.insert(tape.y.end(), y, y + net_.n_out);
    }
  }

 private:
  const Network& net_;
  const NeuronConstants& k_;
  std::span<Bptt::Tape* const> tapes_;
  Bptt::GroupTape& group_;
  std::vector<float> y_;  // [lane][n_out]
};

// Harmonic prefix sums over the concatenated batch: h1[s] = sum_{j<=s} 1/j,
// h2[s] = sum_{j<=s} 1/j^2. Between two spikes of a unit its running count is
// constant, so a stretch of rolling-rate terms costs O(1).
struct Harmonic {
  std::vector<double> h1, h2;
  explicit Harmonic(std::size_t n_positions) : h1(n_positions + 1, 0.0), h2(n_positions + 1, 0.0) {
    for (std::size_t s = 1; s <= n_positions; ++s) {
      h1[s] = h1[s - 1] + 1.0 / static_cast<double>(s);
      h2[s] = h2[s - 1] + 1.0 / (static_cast<double>(s) * static_cast<double>(s));
    }
  }
  double s1(std::size_t a, std::size_t b) const { return h1[b] - h1[a - 1]; }
  double s2(std::size_t a, std::size_t b) const { return h2[b] - h2[a - 1]; }
};

// Groups whose backward passes run side by side: the recurrent sums then load
// each synapse once for 2 kLanes trials.
constexpr int kPaired = 2;

// Backward state of one group of trials.
struct Adjoint {
  int group = 0, lanes_used = 0;
  const Bptt::GroupTape* tape = nullptr;
  std::vector<lanes_f> dv, dv_new;                // [n] membrane adjoint from t+1; at t
  std::vector<lanes_f> db_next, db_cur, db_prev;  // [n] adaptation adjoint, a two-step delay
  std::vector<lanes_f> dy;                        // [n_out] readout adjoint
  std::vector<lanes_d> q, count, q_const;         // [n] rolling-rate terms, per lane
  lanes_d first{};                                // position s of t = 0, per lane
  lanes_d q_c1{}, q_c0{};                         // this step's rolling-rate increment
  std::vector<lanes_f> g_in;                      // [input synapses] dL/dw_in, per lane
  std::vector<lane_mask> channel_lanes;           // [n_in] lanes in which a channel spiked

  void resize(int n, int n_out, const Network& net) {
    g_in.resize(net.w_in.n_synapses());
    channel_lanes.resize(static_cast<std::size_t>(net.n_in));
    for (auto* v : {&dv, &dv_new, &db_next, &db_cur, &db_prev})
      v->resize(static_cast<std::size_t>(n));
    dy.resize(static_cast<std::size_t>(n_out));
    for (auto* v : {&q, &count, &q_const}) v->resize(static_cast<std::size_t>(n));
  }
  void clear() {
    for (auto* v : {&dv, &db_next, &db_cur, &dy, &g_in}) std::fill(v->begin(), v->end(), lanes_f{});
    for (auto* v : {&q, &count, &q_const}) std::fill(v->begin(), v->end(), lanes_d{});
    first = lanes_d{};
  }
  // After a step: dv_t becomes the adjoint carried to t-1; the delay moves on.
  void advance() {
    std::swap(dv, dv_new);
    std::swap(db_next, db_cur);
    std::swap(db_cur, db_prev);
  }
};

struct BackwardConstants {
  lanes_f alpha, rho, beta, reset;
  bool rolling_rate;  // q grows step by step
};

// One backward step of every unit, one pass over the units:
//   q += count c1 - c0 (rolling rate);
//   dL/dz_t through readout, recurrence and reset (v_{t+1}), adaptation
//   (b_{t+1}) and rate; times the pseudo-derivative factors
//   e = dL/dz dv-factor, dA = -dL/dz dA-factor;
//   db_{t-1} = beta dA + rho db_t,  dv_t = alpha dv_{t+1} + e.
// G groups share each synapse's loads; a group's arithmetic is the same for
// any G, so its trials' results do not depend on the pairing.
template <int G>
void backward_step(const Network& net, const BackwardConstants& c, int t, Adjoint* adjoints) {
  const int n = net.n_units();
  const std::size_t at = static_cast<std::size_t>(t) * n;
  const lanes_f *dv[G], *dy[G], *pdv[G], *pdA[G];
  const lane_mask* active[G];
  for (int j = 0; j < G; ++j) {
    Adjoint& a = adjoints[j];
    dv[j] = a.dv.data();
    dy[j] = a.dy.data();
    pdv[j] = a.tape->dv.data() + at;
    pdA[j] = a.tape->dA.data() + at;
    active[j] = a.tape->active.data() + at;
  }
  // Through a long inactive stretch dv decays into the denormal range, where
  // every product with it costs a microcode assist (the recurrent sums ran 2x
  // slower); it is set to 0 there instead.
  const lanes_f tiny = splat(std::numeric_limits<float>::min());
  auto update = [&](Adjoint& a, int i, lanes_f e, lanes_f dA) {
    a.db_prev[i] = c.rho * a.db_cur[i] + c.beta * dA;
    const lanes_f next = c.alpha * a.dv[i] + e;
    a.dv_new[i] = (next < tiny) & (next > -tiny) ? lanes_f{} : next;
  };
  const std::uint16_t* post = net.w_rec.post.data();
  const float* w = net.w_rec.w_mV.data();
  for (int i = 0; i < n; ++i) {
    if (c.rolling_rate)
      for (int j = 0; j < G; ++j) {
        Adjoint& a = adjoints[j];
        a.q[i] += a.count[i] * a.q_c1 - a.q_c0;
      }
    bool any_active = false;
    for (int j = 0; j < G; ++j) any_active |= active[j][i] != 0;
    if (!any_active) {
      for (int j = 0; j < G; ++j) update(adjoints[j], i, lanes_f{}, lanes_f{});
      continue;
    }
    // Four partial sums keep the adds of the recurrent row independent.
    lanes_f sum0[G], sum1[G], sum2[G], sum3[G];
    for (int j = 0; j < G; ++j) {
      sum0[j] = adjoints[j].db_next[i] - c.reset * dv[j][i];
      sum1[j] = sum2[j] = sum3[j] = lanes_f{};
    }
    for (std::uint32_t s = net.w_out.begin(i); s < net.w_out.end(i); ++s) {
      const lanes_f ws = splat(net.w_out.w_mV[s]);
      for (int j = 0; j < G; ++j) sum1[j] = mul_add(ws, dy[j][net.w_out.post[s]], sum1[j]);
    }
    const std::uint32_t row_end = net.w_rec.end(i);
    std::uint32_t s = net.w_rec.begin(i);
    for (; s + 4 <= row_end; s += 4) {
      const lanes_f w0 = splat(w[s]), w1 = splat(w[s + 1]), w2 = splat(w[s + 2]),
                    w3 = splat(w[s + 3]);
      const unsigned p0 = post[s], p1 = post[s + 1], p2 = post[s + 2], p3 = post[s + 3];
      for (int j = 0; j < G; ++j) {
        sum0[j] = mul_add(w0, dv[j][p0], sum0[j]);
        sum1[j] = mul_add(w1, dv[j][p1], sum1[j]);
        sum2[j] = mul_add(w2, dv[j][p2], sum2[j]);
        sum3[j] = mul_add(w3, dv[j][p3], sum3[j]);
      }
    }
    for (; s < row_end; ++s) {
      const lanes_f ws = splat(w[s]);
      for (int j = 0; j < G; ++j) sum0[j] = mul_add(ws, dv[j][post[s]], sum0[j]);
    }
    for (int j = 0; j < G; ++j) {
      Adjoint& a = adjoints[j];
      if (!active[j][i]) {
        update(a, i, lanes_f{}, lanes_f{});
        continue;
      }
      const lanes_f rate = __builtin_convertvector(a.q_const[i] + a.q[i], lanes_f);
      const lanes_f grad = ((sum0[j] + sum1[j]) + (sum2[j] + sum3[j])) + rate;
      update(a, i, grad * pdv[j][i], -grad * pdA[j][i]);
    }
  }
}

}  // namespace

Bptt::Bptt() = default;
Bptt::~Bptt() = default;
Bptt::Bptt(Bptt&&) noexcept = default;
Bptt& Bptt::operator=(Bptt&&) noexcept = default;

Share Bptt::trials_of_rank(int n_trials, int rank, int n_ranks) {
  const int n_groups = (n_trials + kLanes - 1) / kLanes;
  const Share groups = share_of(n_groups, rank, n_ranks);
  return {std::min(groups.begin * kLanes, n_trials), std::min(groups.end * kLanes, n_trials)};
}

BatchOutcome Bptt::run(const Network& net, const NeuronConstants& k, const LossSettings& loss,
                       const BatchData& batch, WeightGradients& grads, int threads,
                       Communicator* comm) {
  const int n_trials = batch.n_trials();
  const int n_steps = batch.n_steps;
  const int n = net.n_units();
  const int n_out = net.n_out;
  const int n_groups = (n_trials + kLanes - 1) / kLanes;
  EISNN_ASSERT(n_trials > 0 && n_steps > 0);
  EISNN_ASSERT(batch.v0_mV.size() == static_cast<std::size_t>(n_trials) &&
               batch.target.size() == static_cast<std::size_t>(n_trials));
  if (tapes_.size() < static_cast<std::size_t>(n_trials)) tapes_.resize(n_trials);
  if (groups_.size() < static_cast<std::size_t>(n_groups)) groups_.resize(n_groups);
  if (threads <= 0) threads = omp_get_max_threads();
  const bool distributed = comm && comm->size() > 1;
  const Share groups =
      distributed ? share_of(n_groups, comm->rank(), comm->size()) : Share{0, n_groups};
  const Share mine =
      distributed ? trials_of_rank(n_trials, comm->rank(), comm->size()) : Share{0, n_trials};
  const int group_threads = std::max(1, std::min(threads, groups.size()));
  // Exchanges the listed values of this rank's trials for those of all trials.
  auto exchange = [&](auto pack, auto unpack) {
    if (!distributed) return;
    Packer packer;
    for (int b = mine.begin; b < mine.end; ++b) pack(packer, tapes_[b]);
    const std::vector<std::byte> all = comm->all_gather(packer.bytes());
    Unpacker unpacker(all);
    for (int b = 0; b < n_trials; ++b) unpack(unpacker, tapes_[b]);
    EISNN_ASSERT(unpacker.done());
  };

  const double n_positions = static_cast<double>(n_trials) * n_steps;  // S
  const double task_scale = 1.0 / (n_positions * n_out);
  const double r0 = loss.rate_target_per_ms;
  const std::size_t tape_size = static_cast<std::size_t>(n_steps) * n;

  const double start_s = omp_get_wtime();
  // Forward pass, kLanes trials at a time.
#pragma omp parallel num_threads(group_threads)
  {
    LaneKernel kernel;
#pragma omp for schedule(dynamic, 1)
    for (int g = groups.begin; g < groups.end; ++g) {
      GroupTape& group = groups_[g];
      group.dv.resize(tape_size);
      group.dA.resize(tape_size);
      group.active.resize(tape_size);
      const int n_used = std::min(kLanes, n_trials - g * kLanes);
      std::vector<Tape*> tapes;
      std::vector<const float*> v0;
      std::vector<const SpikeTrain*> input;
      for (int lane = 0; lane < n_used; ++lane) {
        const int b = g * kLanes + lane;
        Tape& tp = tapes_[b];
        EISNN_ASSERT(batch.input[b].n_steps == n_steps);
        tp.z.clear();
        tp.y.clear();
        tp.n_spikes_of.assign(static_cast<std::size_t>(n), 0);
        tapes.push_back(&tp);
        v0.push_back(batch.v0_mV[b].data());
        input.push_back(&batch.input[b]);
      }
      TapeRecorder recorder(net, k, tapes, group);
      kernel.run(net, k, v0, input, n_steps, recorder);

      for (int lane = 0; lane < n_used; ++lane) {
        const int b = g * kLanes + lane;
        Tape& tp = tapes_[b];
        tp.task_sq_sum = 0;
        for (std::size_t i = 0; i < tp.y.size(); ++i) {
          const double d = static_cast<double>(tp.y[i]) - batch.target[b][i];
          tp.task_sq_sum += d * d;
        }
      }
    }
  }

  const std::size_t y_size = static_cast<std::size_t>(n_steps) * n_out;
  exchange(
      [&](Packer& p, const Tape& tp) {
        p.put(std::span<const std::uint32_t>(tp.n_spikes_of));
        p.put(std::span<const float>(tp.y));
        p.put(tp.task_sq_sum);
      },
      [&](Unpacker& u, Tape& tp) {
        u.get(tp.n_spikes_of, static_cast<std::size_t>(n));
        u.get(tp.y, y_size);
        u.get(tp.task_sq_sum);
      });

  const double forward_done_s = omp_get_wtime();
  // Spike counts of earlier trials, for the running rate of the concatenated batch.
  std::vector<std::vector<double>> count_before(static_cast<std::size_t>(n_trials));
  std::vector<double> total(static_cast<std::size_t>(n), 0.0);
  for (int b = 0; b < n_trials; ++b) {
    count_before[b] = total;
    for (int i = 0; i < n; ++i) total[i] += tapes_[b].n_spikes_of[i];
  }

  // Rolling rate: each trial's sums, stretch by stretch between spikes.
  if (loss.rolling) {
    const Harmonic harmonic(static_cast<std::size_t>(n_trials) * n_steps);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (int b = mine.begin; b < mine.end; ++b) {
      Tape& tp = tapes_[b];
      const std::size_t first = static_cast<std::size_t>(b) * n_steps + 1;  // position of t = 0
      std::vector<std::size_t> stretch_start(static_cast<std::size_t>(n), first);
      std::vector<double> count(count_before[b]);
      tp.rate_sum_within.assign(static_cast<std::size_t>(n), 0.0);
      tp.rate_sq_sum = 0;
      auto close = [&](int i, std::size_t last) {  // positions stretch_start[i] .. last
        const std::size_t a = stretch_start[i];
        if (last < a) return;
        const double c = count[i], h1 = harmonic.s1(a, last), h2 = harmonic.s2(a, last);
        tp.rate_sum_within[i] += 2.0 * (c * h2 - r0 * h1);
        tp.rate_sq_sum +=
            c * c * h2 - 2.0 * c * r0 * h1 + r0 * r0 * static_cast<double>(last - a + 1);
      };
      for (int t = 0; t < n_steps; ++t)
        for (std::uint16_t i : tp.z.at(t)) {
          close(i, first + t - 1);
          stretch_start[i] = first + t;
          count[i] += 1.0;
        }
      for (int i = 0; i < n; ++i) close(i, first + n_steps - 1);
    }
    exchange(
        [&](Packer& p, const Tape& tp) {
          p.put(std::span<const double>(tp.rate_sum_within));
          p.put(tp.rate_sq_sum);
        },
        [&](Unpacker& u, Tape& tp) {
          u.get(tp.rate_sum_within, static_cast<std::size_t>(n));
          u.get(tp.rate_sq_sum);
        });
  }
  // Rate-loss gradient that does not depend on the step: rolling, the sum over
  // later trials; plain, the whole gradient.
  // Rolling: the time mean is per trial (1/T), summed over trials and units.
  const double rate_scale = !loss.rate_in_gradient ? 0.0
                            : loss.rolling         ? loss.rate_cost / n_steps
                                                   : loss.rate_cost / n_positions;
  std::vector<std::vector<double>> rate_const(static_cast<std::size_t>(n_trials));
  {
    std::vector<double> after(static_cast<std::size_t>(n), 0.0);
    for (int b = n_trials - 1; b >= 0; --b) {
      rate_const[b].resize(static_cast<std::size_t>(n));
      for (int i = 0; i < n; ++i)
        rate_const[b][i] =
            loss.rolling ? rate_scale * after[i] : rate_scale * 2.0 * (total[i] / n_positions - r0);
      if (loss.rolling)
        for (int i = 0; i < n; ++i) after[i] += tapes_[b].rate_sum_within[i];
    }
  }

  // Backward pass, one or two groups of trials per thread at a time; this
  // rank's groups are paired from the first of them.
  const BackwardConstants constants{splat(k.alpha), splat(k.rho), splat(k.beta_mV),
                                    splat(k.reset_mV), loss.rolling && loss.rate_in_gradient};
  const lanes_f kappa = splat(k.kappa);
  const int pair_threads = std::max(1, std::min(threads, (groups.size() + kPaired - 1) / kPaired));
#pragma omp parallel num_threads(pair_threads)
  {
    Adjoint adjoints[kPaired];
    for (Adjoint& a : adjoints) a.resize(n, n_out, net);

#pragma omp for schedule(dynamic, 1)
    for (int g = groups.begin; g < groups.end; g += kPaired) {
      const int n_here = std::min(kPaired, groups.end - g);
      for (int j = 0; j < n_here; ++j) {
        Adjoint& a = adjoints[j];
        a.clear();
        a.group = g + j;
        a.tape = &groups_[a.group];
        a.lanes_used = std::min(kLanes, n_trials - a.group * kLanes);
        for (int lane = 0; lane < a.lanes_used; ++lane) {
          const int b = a.group * kLanes + lane;
          Tape& tp = tapes_[b];
          tp.g_rec.assign(net.w_rec.n_synapses(), 0.0f);
          tp.g_out.assign(net.w_out.n_synapses(), 0.0f);
          a.first[lane] = static_cast<double>(b) * n_steps + 1.0;
          for (int i = 0; i < n; ++i) {
            a.count[i][lane] = count_before[b][i] + tp.n_spikes_of[i];
            a.q_const[i][lane] = rate_const[b][i];
          }
        }
      }

      for (int t = n_steps - 1; t >= 0; --t) {
        for (int j = 0; j < n_here; ++j) {
          Adjoint& a = adjoints[j];
          // Readout adjoint dL/dy_t, through the filter from t+1.
          for (int o = 0; o < n_out; ++o) {
            lanes_f direct{};
            if (loss.task_in_gradient)
              for (int lane = 0; lane < a.lanes_used; ++lane) {
                const int b = a.group * kLanes + lane;
                const std::size_t at = static_cast<std::size_t>(t) * n_out + o;
                direct[lane] =
                    static_cast<float>(2.0 * task_scale * (tapes_[b].y[at] - batch.target[b][at]));
              }
            a.dy[o] = direct + kappa * a.dy[o];
          }

          // Rolling rate: q = rate_scale * sum over s' >= s of 2 (R_s' - r0) / s',
          // grown by count c1 - c0 in backward_step.
          const lanes_d inv_s = 1.0 / (a.first + static_cast<double>(t));
          a.q_c1 = splat(2.0 * rate_scale) * inv_s * inv_s;
          a.q_c0 = splat(2.0 * rate_scale * r0) * inv_s;
        }

        if (n_here == 2)
          backward_step<2>(net, constants, t, adjoints);
        else
          backward_step<1>(net, constants, t, adjoints);

        for (int j = 0; j < n_here; ++j) {
          Adjoint& a = adjoints[j];
          a.advance();
          // Weight gradients event by event: input spikes at t and network
          // spikes at t-1 reach v_t; network spikes at t reach y_t. The few
          // input channels spike in many lanes at once, so their gradients
          // add up lane-parallel: a channel's row once for all its lanes.
          std::fill(a.channel_lanes.begin(), a.channel_lanes.end(), lane_mask{0});
          for (int lane = 0; lane < a.lanes_used; ++lane)
            for (std::uint16_t ch : batch.input[a.group * kLanes + lane].at(t))
              a.channel_lanes[ch] |= static_cast<lane_mask>(1u << lane);
          for (int ch = 0; ch < net.n_in; ++ch) {
            if (a.channel_lanes[ch] == 0) continue;
            const lanes_i spiked = lanes_of(a.channel_lanes[ch]);
            for (std::uint32_t s = net.w_in.begin(ch); s < net.w_in.end(ch); ++s)
              a.g_in[s] = spiked ? a.g_in[s] + a.dv[net.w_in.post[s]] : a.g_in[s];
          }
          for (int lane = 0; lane < a.lanes_used; ++lane) {
            const int b = a.group * kLanes + lane;
            Tape& tp = tapes_[b];
            if (t > 0)
              for (std::uint16_t i : tp.z.at(t - 1))
                for (std::uint32_t s = net.w_rec.begin(i); s < net.w_rec.end(i); ++s)
                  tp.g_rec[s] += a.dv[net.w_rec.post[s]][lane];
            for (std::uint16_t i : tp.z.at(t)) {
              for (std::uint32_t s = net.w_out.begin(i); s < net.w_out.end(i); ++s)
                tp.g_out[s] += a.dy[net.w_out.post[s]][lane];
              a.count[i][lane] -= 1.0;  // before t the running count is one less
            }
          }
        }
      }
      for (int j = 0; j < n_here; ++j) {
        const Adjoint& a = adjoints[j];
        for (int lane = 0; lane < a.lanes_used; ++lane) {
          std::vector<float>& g_in = tapes_[a.group * kLanes + lane].g_in;
          g_in.resize(a.g_in.size());
          for (std::size_t s = 0; s < g_in.size(); ++s) g_in[s] = a.g_in[s][lane];
        }
      }
    }
  }

  exchange(
      [&](Packer& p, const Tape& tp) {
        p.put(std::span<const float>(tp.g_in));
        p.put(std::span<const float>(tp.g_rec));
        p.put(std::span<const float>(tp.g_out));
      },
      [&](Unpacker& u, Tape& tp) {
        u.get(tp.g_in, net.w_in.n_synapses());
        u.get(tp.g_rec, net.w_rec.n_synapses());
        u.get(tp.g_out, net.w_out.n_synapses());
      });

  const double backward_done_s = omp_get_wtime();
  // Reduce in trial order.
  auto reduce = [&](std::vector<float>& out, std::vector<float> Tape::*member, std::size_t size) {
    std::vector<double> sum(size, 0.0);
    for (int b = 0; b < n_trials; ++b) {
      const std::vector<float>& g = tapes_[b].*member;
      for (std::size_t s = 0; s < size; ++s) sum[s] += g[s];
    }
    out.assign(sum.begin(), sum.end());
  };
  reduce(grads.w_in, &Tape::g_in, net.w_in.n_synapses());
  reduce(grads.w_rec, &Tape::g_rec, net.w_rec.n_synapses());
  reduce(grads.w_out, &Tape::g_out, net.w_out.n_synapses());

  BatchOutcome out;
  out.forward_s = forward_done_s - start_s;
  out.backward_s = backward_done_s - forward_done_s;
  double task_sq = 0, rate_sq = 0;
  for (int b = 0; b < n_trials; ++b) {
    const Tape& tp = tapes_[b];
    task_sq += tp.task_sq_sum;
    rate_sq += tp.rate_sq_sum;
    out.spikes.push_back(mine.contains(b) ? &tp.z : nullptr);
    out.y.push_back(&tp.y);
    out.spike_counts.push_back(&tp.n_spikes_of);
    for (std::uint32_t c : tp.n_spikes_of) out.n_spikes += c;
  }
  for (int g = groups.begin; g < groups.end; ++g)
    for (lane_mask lanes : groups_[g].active) out.n_active += std::popcount(lanes);
  if (distributed) {
    const std::vector<std::uint64_t> active =
        all_gather(*comm, std::span<const std::uint64_t>(&out.n_active, 1));
    out.n_active = 0;
    for (std::uint64_t a : active) out.n_active += a;
  }
  out.loss.task = task_sq * task_scale;
  if (loss.rolling) {
    out.loss.rate = loss.rate_cost * rate_sq / n_steps;
  } else {
    for (int i = 0; i < n; ++i) {
      const double d = total[i] / n_positions - r0;
      out.loss.rate += loss.rate_cost * d * d;
    }
  }
  out.loss.total =
      (loss.task_in_gradient ? out.loss.task : 0.0) + (loss.rate_in_gradient ? out.loss.rate : 0.0);
  return out;
}

}  // namespace eisnn
