// vlen-utf8 and vlen-bytes: the layout zarr-python writes, round trips through compressors and
// shards, and hostile chunks refused before anything is allocated from them.
#include "codec/vlen_codecs.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "codec/codec_pipeline.h"
#include "codec/sharding_codec.h"
#include "codec/variable_elements.h"
#include "hub/errors.h"

namespace hub::codec {
namespace {

// The stored form: u32 count, then u32 length and bytes per element.
Buffer Vlen(const std::vector<std::string>& items) {
  std::string out;
  const auto u32 = [&](std::uint32_t value) {
    out.append(reinterpret_cast<const char*>(&value), sizeof(value));
  };
  u32(static_cast<std::uint32_t>(items.size()));
  for (const std::string& item : items) {
    u32(static_cast<std::uint32_t>(item.size()));
    out += item;
  }
  return Buffer::CopyOf(std::as_bytes(std::span(out.data(), out.size())));
}

std::vector<std::string> Strings(const Buffer& chunk) {
  std::vector<std::string> strings;
  for (const VariableElement& element : AsElements(chunk.span())) {
    strings.emplace_back(element.view());
  }
  return strings;
}

std::shared_ptr<const CodecPipeline> Pipeline(const std::string& codecs, DataType dtype,
                                              std::vector<std::int64_t> shape) {
  return CodecPipeline::FromJson(nlohmann::json::parse(codecs), {dtype, std::move(shape)});
}

TEST(Vlen, DecodesWhatZarrPythonWrites) {
  const auto pipeline = Pipeline(R"([{"name":"vlen-utf8"}])", DataType::kString, {4});
  const std::vector<std::string> items = {"a", "b\xc3\xa9", "", "xyz"};
  Buffer chunk = pipeline->Decode(Vlen(items));
  EXPECT_EQ(Strings(chunk), items);
  EXPECT_EQ(chunk.size(), 4 * sizeof(VariableElement));
  EXPECT_GE(chunk.footprint(), chunk.size() + 6);  // the chunk owns its elements' bytes
  // Encoding gives zarr-python's bytes back.
  const Buffer encoded = pipeline->Encode(chunk.span());
  const Buffer expected = Vlen(items);
  ASSERT_EQ(encoded.size(), expected.size());
  EXPECT_EQ(std::memcmp(encoded.data(), expected.data(), expected.size()), 0);
}

TEST(Vlen, RoundTripsBytesThroughCompressorsAndShards) {
  const std::vector<std::string> items = {
      std::string("\0\1", 2), "", std::string(5000, 'x'), "\xff\xfe", "q", ""};
  std::vector<std::string_view> views(items.begin(), items.end());
  const auto elements = ElementsOf(views);
  const auto bytes = std::as_bytes(std::span(elements));
  for (const char* codecs :
       {R"([{"name":"vlen-bytes"},{"name":"zstd","configuration":{"level":3}},{"name":"crc32c"}])",
        R"([{"name":"sharding_indexed","configuration":{"chunk_shape":[1,2],)"
        R"("codecs":[{"name":"vlen-bytes"},{"name":"gzip","configuration":{"level":1}}]}}])"}) {
    SCOPED_TRACE(codecs);
    const auto pipeline = Pipeline(codecs, DataType::kBytes, {3, 2});
    const Buffer decoded = pipeline->Decode(pipeline->Encode(bytes));
    EXPECT_EQ(Strings(decoded), items);
  }
}

TEST(Vlen, RefusesHostileChunksNamingTheElement) {
  const auto pipeline = Pipeline(R"([{"name":"vlen-utf8"}])", DataType::kString, {2});
  const auto refused = [&](const Buffer& encoded, const std::string& why) {
    try {
      pipeline->Decode(encoded);
      ADD_FAILURE() << "accepted a chunk that " << why;
    } catch (const CorruptChunkError& error) {
      EXPECT_NE(std::string(error.what()).find(why), std::string::npos) << error.what();
    }
  };
  refused(Vlen({"a"}), "says it holds 1 elements where 2");
  refused(Vlen({"a", "\xc3"}), "element 1 is not UTF-8");
  refused(Vlen({"\xed\xa0\x80", "a"}), "element 0 is not UTF-8");  // a surrogate
  Buffer cut = Vlen({"a", "bcd"});
  refused(cut.Slice(0, cut.size() - 1), "element 1 claims 3 bytes, past the end");
  refused(Vlen({"a", "b"}).Slice(0, 9), "ends before the length of element 1");
  Buffer longer = Buffer::Allocate(Vlen({"a", "b"}).size() + 2);
  std::memcpy(longer.data(), Vlen({"a", "b"}).data(), longer.size() - 2);
  refused(longer, "2 bytes follow the chunk's last element");
  // A length near 2^32 is refused from the bytes that are there, not allocated.
  std::string huge = std::string("\x02\0\0\0", 4) + std::string("\xff\xff\xff\xff", 4) + "ab";
  refused(Buffer::CopyOf(std::as_bytes(std::span(huge.data(), huge.size()))),
          "element 0 claims 4294967295 bytes");
}

TEST(Vlen, RefusesToEncodeTextThatIsNotUtf8) {
  const auto pipeline = Pipeline(R"([{"name":"vlen-utf8"}])", DataType::kString, {1});
  const std::string_view bad[] = {"\xc0\xaf"};  // an overlong '/'
  const auto elements = ElementsOf(bad);
  EXPECT_THROW(pipeline->Encode(std::as_bytes(std::span(elements))), InvalidArgumentError);
}

TEST(Vlen, SuitsOnlyItsOwnDataType) {
  EXPECT_THROW(Pipeline(R"([{"name":"vlen-utf8"}])", DataType::kBytes, {2}), InvalidArgumentError);
  EXPECT_THROW(Pipeline(R"([{"name":"vlen-bytes"}])", DataType::kUint8, {2}), InvalidArgumentError);
  EXPECT_THROW(Pipeline(R"([{"name":"bytes"}])", DataType::kString, {2}), InvalidArgumentError);
  EXPECT_THROW(Pipeline(R"([{"name":"transpose","configuration":{"order":[1,0]}},)"
                        R"({"name":"vlen-utf8"}])",
                        DataType::kString, {2, 2}),
               UnsupportedError);
  // Elements point into storage of their own: decoding into a caller's span is refused.
  const auto pipeline = Pipeline(R"([{"name":"vlen-utf8"}])", DataType::kString, {1});
  std::vector<std::byte> out(sizeof(VariableElement));
  EXPECT_THROW(pipeline->DecodeInto(Vlen({"a"}), out), InvalidArgumentError);
}

TEST(Utf8, AcceptsWellFormedTextOnly) {
  EXPECT_TRUE(IsUtf8(""));
  EXPECT_TRUE(IsUtf8("plain ascii, longer than eight bytes"));
  EXPECT_TRUE(IsUtf8("\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e"));  // é € 𝄞
  EXPECT_TRUE(IsUtf8("\xf4\x8f\xbf\xbf"));                      // U+10FFFF
  EXPECT_FALSE(IsUtf8("\x80"));
  EXPECT_FALSE(IsUtf8("abc\xe2\x82"));       // cut short
  EXPECT_FALSE(IsUtf8("\xe0\x80\xaf"));      // overlong
  EXPECT_FALSE(IsUtf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(IsUtf8("\xed\xbf\xbf"));      // a surrogate
  EXPECT_FALSE(IsUtf8("12345678\xff"));      // after a word of ASCII
}

}  // namespace
}  // namespace hub::codec
