#!/usr/bin/perl
# Dump a REGF hive as Parse::Win32Registry (Debian libparse-win32registry-perl) reads it.
#
#   perl win32registry_dump.pl HIVE [CODEPAGE]
#
# CODEPAGE (an Encode name) is passed to Parse::Win32Registry::set_codepage: the code page
# the library decodes compressed (one byte per character) key and value names with; without
# it the library's default, cp1252, applies.
#
# One line per key, depth first from the root in stored order, each key followed by its
# values in stored order; fields are separated by one TAB, lines end with LF:
#
#   K <depth> <name> <timestamp> <class>
#   V <name> <type> <data>
#   END
#
# <name> and <class> are the library's decoded strings written as Perl's internal UTF-8
# (lax: a lone UTF-16 surrogate stays a code point) in lowercase hex, so that no character
# of a name can break the line format; <class> is "-" when the key has none.
# <timestamp> is get_timestamp() (whole seconds since 1970) or "-" when the library gives
# undef (before 1970 or after 2038). <type> is get_type() in decimal. <data> is "=" and
# get_raw_data() in hex, or "-" when the library returns undef (no data cell, or one it
# could not read). The library's own warnings go to stderr; "END" marks a complete dump.
use strict;
use warnings;
use Parse::Win32Registry;

sub hex_text {
    my ($text) = @_;
    return '-' if !defined $text;
    utf8::encode($text);    # lax UTF-8 of the code points, surrogates included
    return unpack('H*', $text);
}

binmode STDOUT;
Parse::Win32Registry->enable_warnings;

my ($path, $codepage) = @ARGV;
die "usage: $0 HIVE [CODEPAGE]\n" if !defined $path;
Parse::Win32Registry::set_codepage($codepage) if defined $codepage;
my $registry = Parse::Win32Registry->new($path)
    or die "Parse::Win32Registry cannot open $path\n";
my $root = $registry->get_root_key or die "Parse::Win32Registry finds no root key in $path\n";

# An explicit stack, not recursion: the walk must not depend on the hive's depth.
my @stack = ([$root, 0]);
while (my $item = pop @stack) {
    my ($key, $depth) = @$item;
    my $timestamp = $key->get_timestamp;
    my $class = $key->can('get_class_name') ? $key->get_class_name : undef;
    print join("\t", 'K', $depth, hex_text($key->get_name),
        defined $timestamp ? $timestamp : '-', hex_text($class)), "\n";
    foreach my $value ($key->get_list_of_values) {
        my $raw = $value->get_raw_data;
        print join("\t", 'V', hex_text($value->get_name), $value->get_type,
            defined $raw ? '=' . unpack('H*', $raw) : '-'), "\n";
    }
    push @stack, map { [$_, $depth + 1] } reverse $key->get_list_of_subkeys;
}
print "END\n";
