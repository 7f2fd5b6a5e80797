package io.gridlet.server.cli;

/** A problem the user can fix (bad input path, bad option value): reported as one line, exit code 2. */
final class UserError extends RuntimeException {
    UserError(String message) {
        super(message);
    }
}
