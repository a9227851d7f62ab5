#include "sightline/xml/xml.h"

#include <expat.h>

#include <string>
#include <vector>

namespace sightline::xml {
namespace {

using domain::returns::XmlElement;

struct Builder {
  XML_Parser parser = nullptr;
  const XmlLimits* limits = nullptr;
  XmlElement root;
  std::vector<XmlElement*> open;  // The path from the root to the element being read.
  std::string error;

  void Fail(std::string why) {
    if (error.empty()) error = std::move(why);
    XML_StopParser(parser, XML_FALSE);
  }
};

std::string Trim(const std::string& s) {
  auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

void XMLCALL OnStart(void* data, const XML_Char* name, const XML_Char** attributes) {
  auto* b = static_cast<Builder*>(data);
  if (attributes != nullptr && attributes[0] != nullptr) {
    b->Fail(std::string("element <") + name + "> has attributes; the census message has none");
    return;
  }
  if (static_cast<int>(b->open.size()) >= b->limits->max_depth) {
    b->Fail("elements nested deeper than " + std::to_string(b->limits->max_depth));
    return;
  }
  XmlElement* e = nullptr;
  if (b->open.empty()) {
    e = &b->root;
  } else {
    e = &b->open.back()->children.emplace_back();
  }
  e->name = name;
  b->open.push_back(e);
}

void XMLCALL OnEnd(void* data, const XML_Char*) {
  auto* b = static_cast<Builder*>(data);
  if (b->open.empty()) return;
  b->open.back()->text = Trim(b->open.back()->text);
  b->open.pop_back();
}

void XMLCALL OnText(void* data, const XML_Char* s, int len) {
  auto* b = static_cast<Builder*>(data);
  if (!b->open.empty()) b->open.back()->text.append(s, static_cast<std::size_t>(len));
}

// Any DTD is refused: the census message needs none, and entities are the classic XML attack.
void XMLCALL OnDoctype(void* data, const XML_Char*, const XML_Char*, const XML_Char*, int) {
  static_cast<Builder*>(data)->Fail("a DOCTYPE is not allowed");
}

void XMLCALL OnEntity(void* data, const XML_Char*, int, const XML_Char*, int, const XML_Char*,
                      const XML_Char*, const XML_Char*, const XML_Char*) {
  static_cast<Builder*>(data)->Fail("entity declarations are not allowed");
}

}  // namespace

StatusOr<XmlElement> ParseXml(std::string_view text, const XmlLimits& limits) {
  if (text.size() > limits.max_bytes)
    return InvalidArgument("the file is larger than " + std::to_string(limits.max_bytes >> 20) +
                           " MiB");
  if (text.size() > static_cast<std::size_t>(INT32_MAX))
    return InvalidArgument("the file is too large to parse");
  Builder b;
  b.limits = &limits;
  b.parser = XML_ParserCreate("UTF-8");
  if (b.parser == nullptr) return Unavailable("out of memory for the XML parser");
  XML_SetUserData(b.parser, &b);
  XML_SetElementHandler(b.parser, OnStart, OnEnd);
  XML_SetCharacterDataHandler(b.parser, OnText);
  XML_SetStartDoctypeDeclHandler(b.parser, OnDoctype);
  XML_SetEntityDeclHandler(b.parser, OnEntity);
  XML_SetParamEntityParsing(b.parser, XML_PARAM_ENTITY_PARSING_NEVER);
  XML_Status status = XML_Parse(b.parser, text.data(), static_cast<int>(text.size()), XML_TRUE);
  std::string where = "line " + std::to_string(XML_GetCurrentLineNumber(b.parser)) + ", column " +
                      std::to_string(XML_GetCurrentColumnNumber(b.parser));
  std::string expat_error =
      status == XML_STATUS_ERROR ? XML_ErrorString(XML_GetErrorCode(b.parser)) : "";
  XML_ParserFree(b.parser);
  if (!b.error.empty()) return InvalidArgument(where + ": " + b.error);
  if (status == XML_STATUS_ERROR) return InvalidArgument(where + ": " + expat_error);
  return std::move(b.root);
}

}  // namespace sightline::xml
