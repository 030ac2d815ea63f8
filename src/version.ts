/** The package version, kept in one light module so the CLI can print it without loading the server. */
export const VERSION = '0.1.0';
