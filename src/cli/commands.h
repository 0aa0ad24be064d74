/* commands.h — one function per `ember` subcommand, each in its own file.
 *
 * Each takes the arguments after the subcommand name (argv[0] is the
 * subcommand) and returns the process exit status: 0 success, 1 bad input
 * or failure, 2 bad usage.
 */
#ifndef EMBER_COMMANDS_H
#define EMBER_COMMANDS_H

int command_collapse(int argc, char **argv);
int command_flamegraph(int argc, char **argv);
int command_diff(int argc, char **argv);
int command_convert(int argc, char **argv);
int command_fetch(int argc, char **argv);
int command_top(int argc, char **argv);
int command_peek(int argc, char **argv);
int command_tree(int argc, char **argv);
int command_view(int argc, char **argv);
int command_record(int argc, char **argv);
int command_dump(int argc, char **argv);

#endif
