#!/usr/bin/env bash
# Update the German catalog of one app: scripts/makemessages.sh catalog
# Writes kasse/<app>/locale/de/LC_MESSAGES/django.po (kept translations are merged), and djangojs.po for the
# strings of the app's own static JavaScript (gettext/ngettext, served by the JavaScript catalog /jsi18n/).
# Then fill in the msgstr lines and run `make messages` to compile.
set -euo pipefail
cd "$(dirname "$0")/.."
app=${1:?usage: scripts/makemessages.sh APP (e.g. catalog, or "kasse" for project-wide strings)}
root=$(pwd)
if [ "$app" = "kasse" ]; then dir=kasse; extra=(--ignore '*/*/*'); else dir=kasse/$app; extra=(); fi
mkdir -p "$dir/locale"
cd "$dir"
DJANGO_SETTINGS_MODULE=kasse.settings PYTHONPATH="$root" "$root/.venv/bin/django-admin" \
  makemessages -l de --no-obsolete --add-location file "${extra[@]}" \
  -d django -e html,txt,py
echo "updated $dir/locale/de/LC_MESSAGES/django.po"
if [ "$app" != "kasse" ] && grep -rlqE '\b(n?gettext|pgettext|npgettext)\(' --include='*.js' static 2>/dev/null; then
  DJANGO_SETTINGS_MODULE=kasse.settings PYTHONPATH="$root" "$root/.venv/bin/django-admin" \
    makemessages -l de --no-obsolete --add-location file -d djangojs -e js --ignore 'vendor/*'
  echo "updated $dir/locale/de/LC_MESSAGES/djangojs.po"
fi
