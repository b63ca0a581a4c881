#include <gtest/gtest.h>

#include <fstream>

#include "eisnn/error.hpp"
#include "eisnn/io/h5.hpp"

namespace eisnn {
namespace {

std::filesystem::path temp_dir() {
  auto dir = std::filesystem::temp_directory_path() /
             ("eisnn-h5-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
              ::testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

TEST(H5, RoundTripDatasetsAndAttributes) {
  const auto path = temp_dir() / "a.h5";
  {
    h5::File f = h5::File::create(path);
    f.write<float>("group/x", std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3});
    f.write("ids", std::vector<std::uint16_t>{7, 8});
    f.set_attr("/group", "label", std::string("hello"));
    f.set_attr("/", "count", std::int64_t{42});
    f.set_attr("/", "scale", 0.5);
  }
  const h5::File f = h5::File::open(path);
  EXPECT_EQ(f.shape("group/x"), (h5::Shape{2, 3}));
  EXPECT_EQ(f.read<float>("group/x"), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(f.read<double>("ids"), (std::vector<double>{7, 8}));
  EXPECT_EQ(f.attr_string("/group", "label"), "hello");
  EXPECT_EQ(f.attr_int("/", "count"), 42);
  EXPECT_EQ(f.attr_double("/", "scale"), 0.5);
  EXPECT_FALSE(f.exists("nothing/here"));
}

TEST(H5, ErrorsNameFileAndDataset) {
  const auto dir = temp_dir();
  try {
    (void)h5::File::open(dir / "missing.h5");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("missing.h5"), std::string::npos);
  }
  std::ofstream(dir / "junk.h5") << "not hdf5";
  EXPECT_THROW((void)h5::File::open(dir / "junk.h5"), InputError);

  {
    h5::File f = h5::File::create(dir / "b.h5");
    f.write("x", std::vector<float>{1, 2, 3});
  }
  const h5::File f = h5::File::open(dir / "b.h5");
  try {
    (void)f.read<float>("x", {4});
    FAIL();
  } catch (const InputError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("'x'"), std::string::npos) << m;
    EXPECT_NE(m.find("(3,)"), std::string::npos) << m;
  }
  EXPECT_THROW((void)f.read<float>("y"), InputError);
}

TEST(H5, AtomicWriterLeavesOldFileUntilCommit) {
  const auto path = temp_dir() / "c.h5";
  {
    h5::AtomicWriter w(path);
    w.file().write("x", std::vector<float>{1});
    w.commit();
  }
  {
    h5::AtomicWriter w(path);
    w.file().write("x", std::vector<float>{2, 3});
    // destroyed without commit, as when an exception interrupts writing
  }
  EXPECT_EQ(h5::File::open(path).read<float>("x"), std::vector<float>{1});
  for (const auto& entry : std::filesystem::directory_iterator(path.parent_path()))
    EXPECT_EQ(entry.path().filename(), "c.h5") << "temporary file left behind";
}

}  // namespace
}  // namespace eisnn
