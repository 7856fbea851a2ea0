// S3's XML documents (see s3_xml.h).
#include "store/aws/s3_xml.h"

#include <openssl/evp.h>

#include <charconv>

#include "hub/errors.h"

namespace hub::aws {
namespace {

// The number a "&#NN;" or "&#xNN;" reference names, encoded as UTF-8 onto `out`; false if
// the reference is not one.
bool AppendCharacterReference(std::string_view reference, std::string& out) {
  int base = 10;
  if (reference.starts_with("x") || reference.starts_with("X")) {
    base = 16;
    reference.remove_prefix(1);
  }
  std::uint32_t code = 0;
  const auto [end, error] =
      std::from_chars(reference.data(), reference.data() + reference.size(), code, base);
  if (error != std::errc() || end != reference.data() + reference.size() || code > 0x10FFFF) {
    return false;
  }
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
  return true;
}

std::uint64_t SizeOf(std::string_view text) {
  std::uint64_t size = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), size);
  if (error != std::errc() || end != text.data() + text.size()) {
    throw StorageError("cannot list: the server's listing names an object size '" +
                       std::string(text.substr(0, 40)) + "'");
  }
  return size;
}

}  // namespace

std::vector<std::string_view> ElementsNamed(std::string_view xml, std::string_view tag) {
  // (Appended, not concatenated: gcc 12 warns falsely about "<" + std::string.)
  std::string open("<");
  open.append(tag).append(">");
  std::string close("</");
  close.append(tag).append(">");
  std::vector<std::string_view> elements;
  std::size_t at = 0;
  for (;;) {
    const std::size_t start = xml.find(open, at);
    if (start == std::string_view::npos) break;
    const std::size_t end = xml.find(close, start + open.size());
    if (end == std::string_view::npos) break;
    elements.push_back(xml.substr(start + open.size(), end - start - open.size()));
    at = end + close.size();
  }
  return elements;
}

std::optional<std::string> FirstElement(std::string_view xml, std::string_view tag) {
  const auto elements = ElementsNamed(xml, tag);
  if (elements.empty()) return std::nullopt;
  return XmlUnescape(elements.front());
}

std::string XmlUnescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const std::size_t semicolon = text[i] == '&' ? text.find(';', i) : std::string_view::npos;
    if (semicolon == std::string_view::npos) {
      out += text[i];
      continue;
    }
    const std::string_view name = text.substr(i + 1, semicolon - i - 1);
    if (name == "amp") {
      out += '&';
    } else if (name == "lt") {
      out += '<';
    } else if (name == "gt") {
      out += '>';
    } else if (name == "quot") {
      out += '"';
    } else if (name == "apos") {
      out += '\'';
    } else if (!(name.starts_with("#") && AppendCharacterReference(name.substr(1), out))) {
      out += text[i];  // not a reference: the '&' as it stands
      continue;
    }
    i = semicolon;
  }
  return out;
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

store::ListPage ParseListPage(std::string_view xml) {
  if (xml.find("<ListBucketResult") == std::string_view::npos) {
    throw StorageError("cannot list: the server's answer is not an S3 listing");
  }
  store::ListPage page;
  for (const std::string_view contents : ElementsNamed(xml, "Contents")) {
    const auto key = FirstElement(contents, "Key");
    const auto size = FirstElement(contents, "Size");
    if (!key || !size) throw StorageError("cannot list: a listed object lacks its Key or Size");
    page.objects.push_back({*key, SizeOf(*size)});
  }
  for (const std::string_view common : ElementsNamed(xml, "CommonPrefixes")) {
    if (auto prefix = FirstElement(common, "Prefix")) page.prefixes.push_back(std::move(*prefix));
  }
  if (FirstElement(xml, "IsTruncated").value_or("false") == "true") {
    page.next_token = FirstElement(xml, "NextContinuationToken").value_or("");
    if (page.next_token.empty()) {
      throw StorageError("cannot list: the server says the listing goes on but gives no token");
    }
  }
  return page;
}

std::string CompleteMultipartBody(std::span<const std::string> etags) {
  std::string body = "<CompleteMultipartUpload>";
  for (std::size_t i = 0; i < etags.size(); ++i) {
    body += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" +
            XmlEscape(etags[i]) + "</ETag></Part>";
  }
  return body + "</CompleteMultipartUpload>";
}

std::string DeleteObjectsBody(std::span<const std::string> objects) {
  std::string body = "<Delete><Quiet>true</Quiet>";
  for (const std::string& object : objects) {
    body += "<Object><Key>" + XmlEscape(object) + "</Key></Object>";
  }
  return body + "</Delete>";
}

std::vector<std::string> DeleteFailures(std::string_view answer) {
  std::vector<std::string> failures;
  for (const std::string_view error : ElementsNamed(answer, "Error")) {
    failures.push_back(FirstElement(error, "Key").value_or("?") + ": " +
                       FirstElement(error, "Code").value_or("unknown error"));
  }
  return failures;
}

std::string ContentMd5(std::string_view body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  if (EVP_Digest(body.data(), body.size(), digest, &digest_size, EVP_md5(), nullptr) != 1) {
    throw StorageError("cannot compute an MD5 digest (OpenSSL failed)");
  }
  unsigned char text[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
  const int text_size = EVP_EncodeBlock(text, digest, static_cast<int>(digest_size));
  return std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(text_size));
}

}  // namespace hub::aws
