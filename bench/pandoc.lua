-- One pandoc process makes every record's JATS (pandoc 2.17 Lua API).
--
-- The main input holds only every record's references (CSL YAML, ids r<index>-<n>); with
-- --citeproc, run before this filter, pandoc formats them all in one pass into the `refs`
-- Div. This filter then reads each record's own markdown file (a YAML metadata block:
-- title, authors, affiliations, abstract, keywords, journal and article ids...) with
-- pandoc.read, gives it its formatted references and writes it with pandoc's JATS writer
-- and default template, timing each record.

local function references_by_record(blocks)
  local grouped = {}
  for _, block in ipairs(blocks) do
    if block.t == "Div" and block.identifier == "refs" then
      for _, entry in ipairs(block.content) do
        local index = entry.identifier:match("^ref%-r(%d+)%-")
        if index then
          grouped[index] = grouped[index] or {}
          table.insert(grouped[index], entry)
        end
      end
    end
  end
  return grouped
end

function Pandoc(doc)
  local out_dir = pandoc.utils.stringify(doc.meta["bench-out"])
  local list = io.open(pandoc.utils.stringify(doc.meta["bench-list"])):read("a")
  local template = pandoc.template.compile(pandoc.template.default("jats"))
  local grouped = references_by_record(doc.blocks)
  local times = io.open(out_dir .. "/times.tsv", "w")
  times:write("#before-loop\t", string.format("%.6f", os.clock()), "\n")
  local loop_started = os.clock()
  for index, key, path in list:gmatch("(%d+)\t([^\t]+)\t([^\n]+)\n") do
    local started = os.clock()
    local source = io.open(path):read("a")
    local record = pandoc.read(source, "markdown")
    if grouped[index] then
      record.blocks = {pandoc.Div(grouped[index], pandoc.Attr("refs", {"references", "csl-bib-body"}))}
    end
    local jats = pandoc.write(record, "jats", {template = template})
    local file = io.open(out_dir .. "/" .. key .. ".xml", "w")
    file:write(jats)
    file:close()
    times:write(key, "\t", string.format("%.6f", os.clock() - started), "\n")
  end
  times:write("#loop\t", string.format("%.6f", os.clock() - loop_started), "\n")
  times:close()
  return pandoc.Pandoc({}, {})
end
