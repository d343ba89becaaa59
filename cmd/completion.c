/*
 * sockcat completion bash|zsh|fish: a completion script made from the
 * command table and each command's option table, so that an option
 * added to a command completes without another list to keep.  What an
 * option's value completes to (a fixed set, files, interfaces) is the
 * one thing said here, by option name.
 */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "opts.h"
#include "sockopt.h"

/* Value kinds that are not a fixed list of words. */
#define V_FILE	"@file"
#define V_DIR	"@dir"
#define V_IFACE	"@iface"
#define V_TOS	"@tos"

static const struct {
	const char	*option;	/* long name */
	const char	*values;	/* words, or a V_ kind */
} value_kinds[] = {
	{ "family",		"inet inet6 unix any" },
	{ "type",		"stream dgram seqpacket" },
	{ "tls-min",		"1.2 1.3" },
	{ "tls-max",		"1.2 1.3" },
	{ "multicast-loop",	"0 1" },
	{ "retry",		"inf" },
	{ "grace",		"inf" },
	{ "proxy-protocol",	"v1 v2" },
	{ "cacert",		V_FILE },
	{ "cert",		V_FILE },
	{ "key",		V_FILE },
	{ "hex-dump",		V_FILE },
	{ "capath",		V_DIR },
	{ "bind-device",	V_IFACE },
	{ "multicast-if",	V_IFACE },
	{ "tos",		V_TOS },
};

static const char shells[] = "bash zsh fish";

/* What the value of option name completes to, or NULL for anything. */
static const char *
values_of(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(value_kinds) / sizeof(value_kinds[0]); i++)
		if (strcmp(value_kinds[i].option, name) == 0)
			return value_kinds[i].values;
	return NULL;
}

/* The --tos names, space-separated, into buf. */
static const char *
tos_words(char *buf, size_t len)
{
	const char *n;
	size_t i;

	buf[0] = '\0';
	for (i = 0; (n = sockopt_tos_name(i)) != NULL; i++) {
		if (i > 0)
			strlcat(buf, " ", len);
		strlcat(buf, n, len);
	}
	return buf;
}

/* The command names, separated by spaces. */
static void
command_words(FILE *fp)
{
	const struct command *c, *t = command_table();

	for (c = t; c->name != NULL; c++)
		fprintf(fp, "%s%s", c == t ? "" : " ", c->name);
}

/*
 * Whether long option name is offered for spec's command: those its
 * --help shows.  The shared tables hold some that a command takes only
 * to refuse by name (--keepalive on udp-send: TCP only).
 */
static int
offered(const struct opts_spec *spec, const char *name)
{
	const char *p = spec->usage;
	size_t n = strlen(name);
	unsigned char next;

	while ((p = strstr(p, "--")) != NULL) {
		p += 2;
		next = (unsigned char)p[n];
		if (strncmp(p, name, n) == 0 && !isalnum(next) && next != '-')
			return 1;
	}
	return 0;
}

/* The long option whose short letter is c in spec, or NULL: the one
 * --help shows, where a shared table gives the letter another name too
 * (serve's -w is --accept-timeout, not --connect-timeout). */
static const struct option *
long_of(const struct opts_spec *spec, int c)
{
	const struct option *o, *any = NULL;

	for (o = spec->longopts; o->name != NULL; o++)
		if (o->val == c) {
			if (offered(spec, o->name))
				return o;
			if (any == NULL)
				any = o;
		}
	return any;
}

/* Whether short letter at s takes a value (a ':' follows it). */
static int
short_takes(const char *s)
{
	return s[1] == ':';
}

/* Print s in single quotes for sh, zsh or fish (fish escapes \'). */
static void
quoted(FILE *fp, const char *s, int fish)
{
	fputc('\'', fp);
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			fputs(fish ? "\\'" : "'\\''", fp);
		else if (*s == '\\' && fish)
			fputs("\\\\", fp);
		else
			fputc(*s, fp);
	}
	fputc('\'', fp);
}

/* The words for a value kind in bash (a compgen argument list). */
static void
bash_values(FILE *fp, const char *v, const char *tos)
{
	if (strcmp(v, V_FILE) == 0)
		fputs("-f", fp);
	else if (strcmp(v, V_DIR) == 0)
		fputs("-d", fp);
	else if (strcmp(v, V_IFACE) == 0)
		fputs("-W \"$(ls /sys/class/net 2>/dev/null)\"", fp);
	else
		fprintf(fp, "-W '%s'", strcmp(v, V_TOS) == 0 ? tos : v);
}

static void
bash_script(FILE *fp)
{
	const struct command *c, *t = command_table();
	const struct option *o;
	const char *s;
	char tos[512], seen[256];
	size_t i;

	tos_words(tos, sizeof(tos));
	fputs("# bash completion for sockcat; made by 'sockcat completion "
	    "bash'\n"
	    "_sockcat()\n{\n"
	    "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev= opt= pre= bare= cmd i\n"
	    "\tlocal opts= valued=\n"
	    "\t(( COMP_CWORD > 0 )) && prev=${COMP_WORDS[COMP_CWORD-1]}\n"
	    "\tCOMPREPLY=()\n"
	    "\tif (( COMP_CWORD == 1 )); then\n"
	    "\t\tCOMPREPLY=($(compgen -W '", fp);
	command_words(fp);
	fputs(" --help --version' -- \"$cur\"))\n"
	    "\t\treturn 0\n\tfi\n"
	    "\tcmd=${COMP_WORDS[1]}\n"
	    "\t# Nothing after --.\n"
	    "\tfor ((i = 2; i < COMP_CWORD; i++)); do\n"
	    "\t\t[[ ${COMP_WORDS[i]} == -- ]] && return 0\n\tdone\n"
	    "\t# The option whose value is typed: --opt=V (one word, or\n"
	    "\t# split at = by bash), or an option then its value.\n"
	    "\tif [[ $cur == --*=* ]]; then\n"
	    "\t\topt=${cur%%=*} pre=$opt= cur=${cur#*=}\n"
	    "\telif [[ $cur == = ]]; then\n"
	    "\t\topt=$prev cur=\n"
	    "\telif [[ $prev == = ]] && (( COMP_CWORD > 2 )); then\n"
	    "\t\topt=${COMP_WORDS[COMP_CWORD-2]}\n"
	    "\telif [[ $prev == -* ]]; then\n"
	    "\t\topt=$prev bare=1\n\tfi\n"
	    "\tcase $cmd in\n", fp);
	for (c = t; c->name != NULL; c++) {
		if (c->spec == NULL)
			continue;
		fprintf(fp, "\t%s)\n\t\topts='", c->name);
		for (o = c->spec->longopts; o->name != NULL; o++)
			if (offered(c->spec, o->name))
				fprintf(fp, "--%s%s ", o->name,
				    o->has_arg == required_argument ? "=" : "");
		for (s = c->spec->shortopts; *s != '\0'; s++)
			if (*s != ':')
				fprintf(fp, "-%c ", *s);
		fputs("'\n\t\tvalued=' ", fp);
		for (o = c->spec->longopts; o->name != NULL; o++)
			if (o->has_arg == required_argument)
				fprintf(fp, "--%s ", o->name);
		for (s = c->spec->shortopts; *s != '\0'; s++)
			if (*s != ':' && short_takes(s))
				fprintf(fp, "-%c ", *s);
		fputs("'\n\t\t;;\n", fp);
	}
	fprintf(fp, "\tcompletion)\n"
	    "\t\tCOMPREPLY=($(compgen -W '%s' -- \"$cur\"))\n"
	    "\t\treturn 0 ;;\n"
	    "\thelp)\n\t\tCOMPREPLY=($(compgen -W '", shells);
	command_words(fp);
	fputs("' -- \"$cur\"))\n\t\treturn 0 ;;\n"
	    "\t*)\n\t\treturn 0 ;;\n\tesac\n"
	    "\t# A value after a space only for an option that must have\n"
	    "\t# one: an optional one (--hex-dump) takes it after = only.\n"
	    "\t[[ -n $bare && $valued != *\" $opt \"* ]] && opt=\n"
	    "\tcase $opt in\n", fp);
	/* Each value kind once, with every spelling (long, short) that
	 * takes it in any command. */
	for (i = 0; i < sizeof(value_kinds) / sizeof(value_kinds[0]); i++) {
		memset(seen, 0, sizeof(seen));
		fprintf(fp, "\t--%s", value_kinds[i].option);
		for (c = t; c->name != NULL; c++)
			for (s = c->spec != NULL ? c->spec->shortopts : "";
			    *s != '\0'; s++)
				if (*s != ':' && !seen[(unsigned char)*s] &&
				    (o = long_of(c->spec, *s)) != NULL &&
				    strcmp(o->name, value_kinds[i].option) == 0) {
					seen[(unsigned char)*s] = 1;
					fprintf(fp, "|-%c", *s);
				}
		fputs(")\n\t\tCOMPREPLY=($(compgen ", fp);
		bash_values(fp, value_kinds[i].values, tos);
		fputs(" -- \"$cur\"))\n"
		    "\t\tCOMPREPLY=(\"${COMPREPLY[@]/#/$pre}\")\n"
		    "\t\treturn 0 ;;\n", fp);
	}
	fputs("\tesac\n"
	    "\t# Any other value: nothing to offer.\n"
	    "\tif [[ -n $opt && $valued == *\" $opt \"* ]]; then\n"
	    "\t\treturn 0\n\tfi\n"
	    "\tif [[ $cur == -* ]]; then\n"
	    "\t\tCOMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
	    "\t\t[[ ${COMPREPLY[0]} == *= ]] && compopt -o nospace "
	    "2>/dev/null\n"
	    "\t\treturn 0\n\tfi\n"
	    "\t# Operands: a unix socket's path, or a host.\n"
	    "\tif [[ \" ${COMP_WORDS[*]} \" == *' -U '* ||\n"
	    "\t    \" ${COMP_WORDS[*]} \" == *' --unix '* ]]; then\n"
	    "\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n"
	    "\telse\n"
	    "\t\tCOMPREPLY=($(compgen -A hostname -- \"$cur\"))\n"
	    "\tfi\n"
	    "\treturn 0\n}\n"
	    "complete -F _sockcat sockcat\n", fp);
}

/* A zsh _arguments action for a value kind. */
static void
zsh_action(FILE *fp, const char *name, const char *tos)
{
	const char *v = values_of(name);

	if (v == NULL)
		fprintf(fp, ":%s: ", name);
	else if (strcmp(v, V_FILE) == 0)
		fprintf(fp, ":%s:_files", name);
	else if (strcmp(v, V_DIR) == 0)
		fprintf(fp, ":%s:_files -/", name);
	else if (strcmp(v, V_IFACE) == 0)
		fprintf(fp, ":%s:_net_interfaces", name);
	else
		fprintf(fp, ":%s:(%s)", name, strcmp(v, V_TOS) == 0 ? tos : v);
}

static void
zsh_script(FILE *fp)
{
	const struct command *c, *t = command_table();
	const struct option *o, *lo;
	const char *s;
	char tos[512];

	tos_words(tos, sizeof(tos));
	fputs("#compdef sockcat\n"
	    "# zsh completion for sockcat; made by 'sockcat completion zsh'\n"
	    "_sockcat() {\n"
	    "\tlocal -a cmds\n\tcmds=(\n", fp);
	for (c = t; c->name != NULL; c++) {
		fputs("\t\t", fp);
		quoted(fp, c->name, 0);
		fputs("\\:", fp);
		quoted(fp, c->summary, 0);
		fputs("\n", fp);
	}
	fputs("\t)\n"
	    "\tif (( CURRENT == 2 )); then\n"
	    "\t\t_describe -t commands 'sockcat command' cmds\n"
	    "\t\tcompadd -- --help --version\n"
	    "\t\treturn\n\tfi\n"
	    "\tlocal cmd=$words[2]\n"
	    "\tshift words\n\t(( CURRENT-- ))\n"
	    "\tcase $cmd in\n", fp);
	for (c = t; c->name != NULL; c++) {
		if (c->spec == NULL)
			continue;
		fprintf(fp, "\t(%s)\n\t\t_arguments -s -S", c->name);
		for (o = c->spec->longopts; o->name != NULL; o++) {
			if (!offered(c->spec, o->name))
				continue;
			fprintf(fp, " \\\n\t\t    '--%s", o->name);
			if (o->has_arg == required_argument) {
				fputs("=", fp);
				zsh_action(fp, o->name, tos);
			} else if (o->has_arg == optional_argument) {
				fputs("=-:", fp);
				zsh_action(fp, o->name, tos);
			}
			fputs("'", fp);
		}
		for (s = c->spec->shortopts; *s != '\0'; s++) {
			if (*s == ':')
				continue;
			fprintf(fp, " \\\n\t\t    '-%c", *s);
			if (short_takes(s)) {
				fputs("+", fp);
				lo = long_of(c->spec, *s);
				zsh_action(fp, lo != NULL ? lo->name : "value",
				    tos);
			}
			fputs("'", fp);
		}
		fputs(" \\\n\t\t    '*::operand:_default' ;;\n", fp);
	}
	fprintf(fp, "\t(completion)\n\t\t_values shell %s ;;\n"
	    "\t(help)\n\t\tcompadd -- ", shells);
	command_words(fp);
	fputs(" ;;\n\tesac\n}\n_sockcat \"$@\"\n", fp);
}

static void
fish_script(FILE *fp)
{
	const struct command *c, *t = command_table();
	const struct option *o, *lo;
	const char *s, *v;
	char tos[512];

	tos_words(tos, sizeof(tos));
	fputs("# fish completion for sockcat; made by 'sockcat completion "
	    "fish'\ncomplete -c sockcat -f\n", fp);
	for (c = t; c->name != NULL; c++) {
		fprintf(fp, "complete -c sockcat -n __fish_use_subcommand "
		    "-a %s -d ", c->name);
		quoted(fp, c->summary, 1);
		fputs("\n", fp);
	}
	fputs("complete -c sockcat -n __fish_use_subcommand -l help\n"
	    "complete -c sockcat -n __fish_use_subcommand -l version\n", fp);
	for (c = t; c->name != NULL; c++) {
		if (c->spec == NULL)
			continue;
		for (o = c->spec->longopts; o->name != NULL; o++) {
			if (!offered(c->spec, o->name))
				continue;
			fprintf(fp, "complete -c sockcat -n "
			    "'__fish_seen_subcommand_from %s' -l %s", c->name,
			    o->name);
			for (s = c->spec->shortopts; *s != '\0'; s++)
				if (*s != ':' && (lo = long_of(c->spec, *s)) ==
				    o && o->val == *s)
					fprintf(fp, " -s %c", *s);
			v = values_of(o->name);
			if (o->has_arg == no_argument)
				;
			else if (v != NULL && strcmp(v, V_FILE) == 0)
				fputs(" -r -F", fp);
			else if (v != NULL && strcmp(v, V_DIR) == 0)
				fputs(" -x -a '(__fish_complete_directories)'",
				    fp);
			else if (v != NULL && strcmp(v, V_IFACE) == 0)
				fputs(" -x -a '(__fish_print_interfaces)'", fp);
			else if (v != NULL)
				fprintf(fp, " -x -a '%s'", strcmp(v, V_TOS) ==
				    0 ? tos : v);
			else
				fputs(" -x", fp);
			fputs("\n", fp);
		}
		/* Short letters with no long name. */
		for (s = c->spec->shortopts; *s != '\0'; s++)
			if (*s != ':' && long_of(c->spec, *s) == NULL)
				fprintf(fp, "complete -c sockcat -n "
				    "'__fish_seen_subcommand_from %s' -s %c%s\n",
				    c->name, *s, short_takes(s) ? " -x" : "");
	}
	fprintf(fp, "complete -c sockcat -n '__fish_seen_subcommand_from "
	    "completion' -x -a '%s'\n", shells);
	fputs("complete -c sockcat -n '__fish_seen_subcommand_from help' -x "
	    "-a '", fp);
	command_words(fp);
	fputs("'\n", fp);
}

static const char usage[] =
"usage: sockcat completion bash|zsh|fish\n"
"\n"
"Print a completion script for the shell, made from sockcat's own\n"
"command and option tables:\n"
"  bash:  source <(sockcat completion bash)\n"
"  zsh:   sockcat completion zsh > \"${fpath[1]}/_sockcat\"\n"
"  fish:  sockcat completion fish | source\n"
"(make install puts all three where the shells look.)\n";

int
cmd_completion(int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0)) {
		fputs(usage, stdout);
		return 0;
	}
	if (argc > 1 && argv[1][0] == '-')
		return usage_error("completion", "unknown option '%.64s'",
		    argv[1]);
	if (argc < 2)
		return usage_error("completion", "missing SHELL (%s)", shells);
	if (argc > 2)
		return usage_error("completion", "extra operand '%.64s'",
		    argv[2]);
	if (strcmp(argv[1], "bash") == 0)
		bash_script(stdout);
	else if (strcmp(argv[1], "zsh") == 0)
		zsh_script(stdout);
	else if (strcmp(argv[1], "fish") == 0)
		fish_script(stdout);
	else
		return usage_error("completion", "unknown shell '%.64s' (%s)",
		    argv[1], shells);
	return 0;
}
