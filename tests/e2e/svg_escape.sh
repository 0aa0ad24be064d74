#!/usr/bin/env bash
# svg_escape.sh — hostile names and options never break ember's SVG.
#
# Frame names, title, subtitle, nametype, countname, notes, fonttype,
# nameattr values and encodings full of markup, quotes, CDATA ends,
# control bytes and invalid UTF-8 must give a well-formed SVG (checked with
# python3's XML parser and xmllint when present) in which the payloads only
# appear escaped; bad colours and encodings are refused.
source tests/lib.sh

if ! command -v python3 >/dev/null; then
    skip "SVG escaping" "python3 not installed"
    exit 0
fi

well_formed() { # FILE
    python3 -c 'import sys, xml.etree.ElementTree as ET; ET.parse(sys.argv[1])' "$1" || return 1
    if command -v xmllint >/dev/null; then xmllint --nonet --noout "$1" || return 1; fi
}

# exactly one <script element and one "]]>" (ember's own script and its CDATA
# end), no event handler attributes, no script links
one_script() { # FILE
    [ "$(grep -o '<script' "$1" | wc -l)" -eq 1 ] && [ "$(grep -o ']]>' "$1" | wc -l)" -eq 1 ] &&
        ! grep -qiE ' on[a-z]+=|javascript:' "$1"
}

printf '%s\n' \
    'main;</text><script>alert(1)</script> 5' \
    'main;a"b;it'"'"'s 3' \
    'main;&amp;;&lt;x&gt; 2' \
    'main;]]>;<![CDATA[ 2' \
    'main;<!-- c -->;--> 1' \
    'main;</title></g></svg> 1' \
    'main;a&b 2' >"$TMP/names.folded"
printf 'main;ctl\001\002\003\004\005\006\007\010\013\014\016\017\020\021\022\023\024\025\026\027\030\031\032\033\034\035\036\037end 4\n' >>"$TMP/names.folded"
printf 'main;bad\377\376utf8\300\257\355\240\200x;\303( 3\n' >>"$TMP/names.folded"

"$EMBER" flamegraph "$TMP/names.folded" >"$TMP/names.svg" 2>"$TMP/err"
check "hostile frame names give a well-formed SVG" well_formed "$TMP/names.svg"
check "hostile frame names appear only escaped" one_script "$TMP/names.svg"
check "markup in names is escaped in tooltips" grep -q '&lt;/text&gt;&lt;script&gt;alert(1)&lt;/script&gt; (5 samples' "$TMP/names.svg"
check "control bytes become U+FFFD" grep -q $'ctl\xef\xbf\xbd\xef\xbf\xbd' "$TMP/names.svg"
check "invalid UTF-8 becomes U+FFFD" grep -q $'bad\xef\xbf\xbd\xef\xbf\xbdutf8' "$TMP/names.svg"
if grep -qP '[\x00-\x08\x0b\x0c\x0e-\x1f]' "$TMP/names.svg"; then
    not_ok "no XML-illegal control bytes in the output"
else
    ok "no XML-illegal control bytes in the output"
fi

payload='</text><script>alert(2)</script>]]>'
printf 'ctl\001x;' >"$TMP/nametype"
"$EMBER" flamegraph --title "T $payload"$'\x01'$'\xff' --subtitle "S $payload" \
    --nametype "\"; alert(3); var x=\"$payload" --countname "c<b>$payload" \
    --notes "n --> <script>alert(4)</script> --" --fonttype 'x;} </style><script>alert(5)</script>' \
    "$TMP/names.folded" >"$TMP/options.svg" 2>"$TMP/err"
check "hostile options give a well-formed SVG" well_formed "$TMP/options.svg"
check "hostile options appear only escaped" one_script "$TMP/options.svg"
check "title is escaped text" grep -q '<text id="title"[^>]*>T &lt;/text&gt;&lt;script&gt;alert(2)' "$TMP/options.svg"
check "nametype lands in an escaped attribute, not in the script" \
    grep -q 'data-name-type="&quot;; alert(3); var x=&quot;&lt;/text&gt;' "$TMP/options.svg"
check "fonttype cannot leave its CSS declaration" grep -q 'font-family:x stylescriptalert5script;' "$TMP/options.svg"
python3 - "$TMP/options.svg" >"$TMP/parsed" 2>&1 <<'PY'
import sys, xml.etree.ElementTree as ET
ns = {'s': 'http://www.w3.org/2000/svg'}
root = ET.parse(sys.argv[1]).getroot()
title = root.find(".//s:text[@id='title']", ns).text
assert title.startswith('T </text><script>alert(2)</script>]]>'), title
assert '\ufffd' in title, repr(title)
frames = root.find(".//s:g[@id='frames']", ns)
assert frames.get('data-name-type').startswith('"; alert(3)'), frames.get('data-name-type')
assert len(root.findall('.//s:script', ns)) == 1
print('ok')
PY
check "parsed title, nametype and script count are what was given" grep -qx ok "$TMP/parsed"

# --nameattr: values escaped, script links and event handlers dropped.
printf 'main\ttitle=t<x>"\thref=javascript:alert(6)\tclass=c"d\tg_extra=onclick="alert(7)" data-k="v<"\n' >"$TMP/attrs"
printf 'a&b\thref=https://example.com/?a=1&b=<2>\ttarget=_blank\ta_extra=rel="noopener"\n' >>"$TMP/attrs"
"$EMBER" flamegraph --nameattr "$TMP/attrs" "$TMP/names.folded" >"$TMP/attrs.svg" 2>"$TMP/err"
check "--nameattr output is well-formed" well_formed "$TMP/attrs.svg"
check "--nameattr drops javascript: links and on* handlers" one_script "$TMP/attrs.svg"
check "--nameattr values are escaped" grep -q 'xlink:href="https://example.com/?a=1&amp;b=&lt;2&gt;" target="_blank" rel="noopener"' "$TMP/attrs.svg"
check "--nameattr title and class are escaped" grep -q '<g class="c&quot;d" data-k="v&lt;"><title>t&lt;x&gt;"</title>' "$TMP/attrs.svg"

# Colours and encodings that could inject are refused.
check_fails "a bad --bgcolors is refused" "$EMBER" flamegraph --bgcolors '#<scri' "$TMP/names.folded"
check_fails "a bad --search-color is refused" "$EMBER" flamegraph --search-color 'red" onload="x' "$TMP/names.folded"
check_fails "a bad --stroke-color is refused" "$EMBER" flamegraph --stroke-color 'red;}</style>' "$TMP/names.folded"
check_fails "a bad --encoding is refused" "$EMBER" flamegraph --encoding 'x" standalone="yes' "$TMP/names.folded"
check_fails "an unknown palette is refused" "$EMBER" flamegraph --colors nosuch "$TMP/names.folded"

# A declared single-byte encoding: bytes pass through, the XML parser accepts them.
printf 'main;caf\351 3\nmain;na\357ve 2\n' >"$TMP/latin1.folded"
"$EMBER" flamegraph --encoding ISO-8859-1 "$TMP/latin1.folded" >"$TMP/latin1.svg" 2>/dev/null
check "--encoding ISO-8859-1 is declared and parses" well_formed "$TMP/latin1.svg"
check "--encoding keeps the bytes" grep -q $'caf\xe9 (3 samples' "$TMP/latin1.svg"

# No samples: flamegraph.pl's error SVG, and a failure status.
: >"$TMP/empty.folded"
status=0
"$EMBER" flamegraph "$TMP/empty.folded" >"$TMP/empty.svg" 2>"$TMP/err" || status=$?
if [ "$status" -ne 0 ] && [ "$status" -lt 128 ] && grep -q 'ERROR: No valid input' "$TMP/empty.svg" &&
    well_formed "$TMP/empty.svg"; then
    ok "no samples: error SVG written and non-zero exit ($status)"
else
    not_ok "no samples: error SVG written and non-zero exit ($status)"
fi
printf 'not folded\n\n' >"$TMP/junk.folded"
"$EMBER" flamegraph -o "$TMP/junk.svg" "$TMP/junk.folded" 2>"$TMP/err" && status=0 || status=$?
check "malformed lines are reported like flamegraph.pl" grep -qx 'Ignored 2 lines with invalid format' "$TMP/err"
check "-o still gets the error SVG when nothing is valid" grep -q 'ERROR: No valid input' "$TMP/junk.svg"
check_fails "a missing input file fails cleanly" "$EMBER" flamegraph "$TMP/does-not-exist"
check "--help documents every flag" bash -c "'$EMBER' flamegraph --help | grep -q -- --truncate-text-right"
