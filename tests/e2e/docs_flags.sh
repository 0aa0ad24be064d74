#!/usr/bin/env bash
# docs_flags.sh — the man page cannot silently fall behind the code: every
# command `ember help` lists has a section in docs/ember.1, every long option
# that `ember COMMAND --help` prints appears in it, and so does every format
# name `ember help` lists. One TAP line per command (and one for the formats).
set -u
source tests/lib.sh

page=${EMBER_MANPAGE:-docs/ember.1}
if [ ! -r "$page" ]; then
    not_ok "docs/ember.1 is readable"
    exit 0
fi
# The page as plain text: roff's \- is a dash; font escapes and \& go.
sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\&//g' "$page" >"$TMP/page.txt"

# The commands, from the "Commands:" block of `ember help`.
"$EMBER" help >"$TMP/help.txt" 2>&1
commands=$(sed -n '/^Commands:/,/^$/p' "$TMP/help.txt" | awk 'NR > 1 && NF { print $1 }' |
    grep -vx -e help -e version)
if [ -z "$commands" ]; then
    not_ok "ember help lists its commands"; note "$(cat "$TMP/help.txt")"
    exit 0
fi

for command in $commands; do
    if ! "$EMBER" "$command" --help >"$TMP/$command.help" 2>&1; then
        not_ok "ember $command --help exits 0"; note "$(head -20 "$TMP/$command.help")"
        continue
    fi
    options=$(grep -oE -- '--[a-z][a-z0-9-]*' "$TMP/$command.help" | sort -u)
    missing=()
    grep -q "^\.SS ember $command\b" "$page" || missing+=("(no .SS section for ember $command)")
    for option in $options; do
        grep -qE -- "${option}([^a-z0-9-]|\$)" "$TMP/page.txt" || missing+=("$option")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        ok "docs/ember.1 documents ember $command and its $(wc -w <<<"$options") long options"
    else
        not_ok "docs/ember.1 lacks for ember $command: ${missing[*]}"
    fi
done

# The formats, from the "Formats:" block of `ember help`.
formats=$(sed -n '/^Formats:/,/^$/p' "$TMP/help.txt" |
    awk 'NR > 1 && ($2 == "read" || $2 == "write" || $2 == "read/write") { print $1 }')
missing=()
for format in $formats; do
    grep -qE "^\.B ${format}\$" <(sed -e 's/\\-/-/g' "$page") || missing+=("$format")
done
if [ -z "$formats" ]; then
    not_ok "ember help lists its formats"; note "$(cat "$TMP/help.txt")"
elif [ ${#missing[@]} -eq 0 ]; then
    ok "docs/ember.1 lists all $(wc -w <<<"$formats") formats of ember help"
else
    not_ok "docs/ember.1's FORMATS lacks: ${missing[*]}"
fi
