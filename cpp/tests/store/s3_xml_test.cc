// S3's XML documents: listings read with their escapes, truncated listings, batched deletes'
// bodies and failures, and Content-MD5.
#include "store/aws/s3_xml.h"

#include <gtest/gtest.h>

#include "hub/errors.h"

namespace hub::aws {
namespace {

TEST(S3Xml, ListingsGiveNamesSizesFoldersAndTheNextToken) {
  const std::string xml =
      R"(<?xml version="1.0" encoding="UTF-8"?>)"
      R"(<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">)"
      "<Name>b</Name><Prefix>p/</Prefix><IsTruncated>true</IsTruncated>"
      "<Contents><Key>p/a&amp;b&lt;c&gt;&quot;&apos;</Key><Size>12</Size>"
      "<ETag>&quot;x&quot;</ETag></Contents>"
      "<Contents><Key>p/caf&#233;&#x2F;</Key><Size>0</Size></Contents>"
      "<CommonPrefixes><Prefix>p/sub/</Prefix></CommonPrefixes>"
      "<NextContinuationToken>1/a+b=</NextContinuationToken></ListBucketResult>";
  const store::ListPage page = ParseListPage(xml);
  ASSERT_EQ(page.objects.size(), 2u);
  EXPECT_EQ(page.objects[0].key, "p/a&b<c>\"'");
  EXPECT_EQ(page.objects[0].bytes, 12u);
  EXPECT_EQ(page.objects[1].key, "p/caf\xc3\xa9/");
  EXPECT_EQ(page.prefixes, std::vector<std::string>{"p/sub/"});
  EXPECT_EQ(page.next_token, "1/a+b=");
}

TEST(S3Xml, TheLastPageHasNoTokenAndBrokenListingsAreErrors) {
  EXPECT_EQ(ParseListPage("<ListBucketResult><IsTruncated>false</IsTruncated>"
                          "<NextContinuationToken>stale</NextContinuationToken>"
                          "</ListBucketResult>")
                .next_token,
            "");
  EXPECT_THROW(ParseListPage("<html>a proxy's page</html>"), StorageError);
  EXPECT_THROW(ParseListPage("<ListBucketResult><IsTruncated>true</IsTruncated>"
                             "</ListBucketResult>"),
               StorageError);  // more pages, but no token to ask for them
  EXPECT_THROW(ParseListPage("<ListBucketResult><Contents><Key>k</Key><Size>-1</Size>"
                             "</Contents></ListBucketResult>"),
               StorageError);
}

TEST(S3Xml, UnknownReferencesStayAsWritten) {
  EXPECT_EQ(XmlUnescape("a&nbsp;b &#xZZ; & &#1114112;"), "a&nbsp;b &#xZZ; & &#1114112;");
  EXPECT_EQ(XmlUnescape(XmlEscape("<&>\"' plain")), "<&>\"' plain");
}

TEST(S3Xml, BatchedDeletesEscapeKeysAndReportFailures) {
  const std::vector<std::string> keys = {"a&b", "c<d"};
  EXPECT_EQ(DeleteObjectsBody(keys),
            "<Delete><Quiet>true</Quiet><Object><Key>a&amp;b</Key></Object>"
            "<Object><Key>c&lt;d</Key></Object></Delete>");
  EXPECT_EQ(DeleteFailures("<DeleteResult><Error><Key>a&amp;b</Key><Code>AccessDenied</Code>"
                           "<Message>no</Message></Error></DeleteResult>"),
            std::vector<std::string>{"a&b: AccessDenied"});
  EXPECT_TRUE(DeleteFailures("<DeleteResult></DeleteResult>").empty());
}

TEST(S3Xml, CompletionListsThePartsInOrder) {
  const std::vector<std::string> etags = {"\"e1\"", "\"e2\""};
  EXPECT_EQ(CompleteMultipartBody(etags),
            "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&quot;e1&quot;"
            "</ETag></Part><Part><PartNumber>2</PartNumber><ETag>&quot;e2&quot;</ETag></Part>"
            "</CompleteMultipartUpload>");
}

TEST(S3Xml, ContentMd5IsTheBase64Digest) {
  EXPECT_EQ(ContentMd5(""), "1B2M2Y8AsgTpgAmY7PhCfg==");  // RFC 1321's empty string digest
  EXPECT_EQ(ContentMd5("The quick brown fox jumps over the lazy dog"), "nhB9nTcrtoJr2B01QqQZ1g==");
}

}  // namespace
}  // namespace hub::aws
