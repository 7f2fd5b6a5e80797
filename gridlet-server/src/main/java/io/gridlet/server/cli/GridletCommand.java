package io.gridlet.server.cli;

import io.gridlet.policy.PolicyException;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** The {@code gridlet} command: one subcommand per task. */
@Command(name = "gridlet",
        mixinStandardHelpOptions = true,
        version = "gridlet 0.1.0",
        description = "Smart-grid stream analytics: the DEBS 2014 queries (load prediction, outliers) over files "
                + "or live from meters over gRPC, on sealed data if asked, with the QoS policies sessions negotiate.",
        subcommands = {RunCommand.class, ServeCommand.class, MeterCommand.class, ResultsCommand.class, ScaleCommand.class,
                GenerateCommand.class,
                PolicyCommand.class, KeysCommand.class, BrokerCommand.class, SealCommand.class, UnsealCommand.class, LogCommand.class,
                AccuracyCommand.class,
                CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done", "1:failed while running", "2:bad usage or unreadable input"})
public final class GridletCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command, e.g. 'gridlet run'");
    }

    /**
     * The command line as {@code gridlet} runs it: a problem the user can fix ({@link UserError}, a bad policy) is
     * one line {@code gridlet <command>: <message>} and exit code 2; any other failure while running is one line
     * and exit code 1, not a stack trace (GRIDLET_DEBUG=1 shows it).
     */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new GridletCommand());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof UserError || e instanceof PolicyException) {
                commandLine.getErr().println(commandLine.getCommandSpec().qualifiedName() + ": " + e.getMessage());
                return 2;
            }
            Throwable cause = e;
            while (cause.getCause() != null && cause.getCause() != cause) cause = cause.getCause();
            // the root cause says what went wrong (a Flink job's failure arrives wrapped two or three times)
            commandLine.getErr().println(commandLine.getCommandName() + ": failed: " + e
                    + (cause == e ? "" : " (cause: " + cause + ")"));
            if (System.getenv("GRIDLET_DEBUG") != null) e.printStackTrace(commandLine.getErr());
            return 1;
        });
        return cli;
    }

    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    public static void main(String... args) {
        System.exit(execute(args));
    }
}
