// Networks in HDF5. Layout under a group (default "/network"):
//   attributes n_in, n_e, n_i, n_out
//   in/, rec/, out/   one group per weight matrix, each with
//       row_start uint32 [n_pre + 1], pre uint32 [n_syn], post uint16 [n_syn],
//       w_mV float32 [n_syn]      (CSR by presynaptic index, see network.hpp)
// `pre` repeats what row_start says, so that h5py users get (pre, post, w) triplets directly.
#pragma once

#include <string>

#include "eisnn/io/h5.hpp"
#include "eisnn/network.hpp"

namespace eisnn {

void write_network(h5::File& file, const Network& net, const std::string& group = "/network");

// Reads and checks a network (sizes, index ranges, row order); throws
// InputError naming the file and the broken field.
Network read_network(const h5::File& file, const std::string& group = "/network");

}  // namespace eisnn
