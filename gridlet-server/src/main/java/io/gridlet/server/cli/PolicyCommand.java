package io.gridlet.server.cli;

import io.gridlet.policy.Expr;
import io.gridlet.policy.Policy;
import io.gridlet.policy.Preference;
import io.gridlet.policy.PolicyException;
import io.gridlet.policy.PolicyParser;
import io.gridlet.policy.Semantics;
import io.gridlet.policy.Statement;
import io.gridlet.policy.PolicyText;
import io.gridlet.policy.WsPolicyXml;
import io.gridlet.policy.sat.Resolver;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;

/** {@code gridlet policy}: check QoS policies, resolve a client/server pair, explain a conflict. */
@Command(name = "policy", mixinStandardHelpOptions = true,
        description = "QoS policies (the text language in gridlet-policy's PolicyParser, or WS-Policy 1.5 XML; see "
                + "docs/policies.md): check one, resolve a client and a server policy into the configuration a session would "
                + "run, explain why a pair conflicts, convert between the two syntaxes.",
        subcommands = {PolicyCommand.Check.class, PolicyCommand.Resolve.class, PolicyCommand.Explain.class,
                PolicyCommand.Convert.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done (resolve: the policies agree)", "1:resolve: the policies conflict",
                "2:bad usage, unreadable or invalid policy"})
final class PolicyCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "name a policy command: check, resolve, explain, convert");
    }

    /** A policy file in either syntax: WS-Policy XML if it starts with '<', else the text language. */
    static Policy read(Path file) {
        return parse(file, text(file));
    }

    static String text(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UserError("cannot read " + file + ": " + e.getMessage());
        }
    }

    static Policy parse(Path file, String text) {
        try {
            return isXml(text) ? WsPolicyXml.read(file.toString(), text) : PolicyParser.parse(file.toString(), text);
        } catch (PolicyException e) {
            throw new UserError(e.getMessage());
        }
    }

    static boolean isXml(String text) {
        return text.stripLeading().startsWith("<");
    }

    /** Shared by resolve and explain: the two policies and the run-time inputs. */
    abstract static class Pair implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "CLIENT", description = "The client's policy file.")
        Path client;

        @Parameters(index = "1", paramLabel = "SERVER", description = "The server's policy file.")
        Path server;

        @Option(names = "--input", paramLabel = "NAME=VALUE",
                description = "A run-time input of the deciding side, e.g. --input cpuUsage=0.9 (repeatable).")
        Map<String, Double> inputs = new LinkedHashMap<>();

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            Resolver resolver = Resolver.compile(read(client), read(server));
            return report(resolver.resolve(inputs), out);
        }

        abstract int report(Resolver.Resolution r, PrintWriter out);
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Reads a policy and reports its vocabulary, statements, preferences and run-time inputs.")
    static final class Check implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "FILE", description = "A policy file.")
        Path file;

        @Override
        public Integer call() {
            Policy p = read(file);
            TreeSet<String> inputs = new TreeSet<>();
            for (Statement s : p.statements()) inputs.addAll(Semantics.inputs(s.expr()));
            for (Preference pref : p.preferences()) if (!pref.isToward()) inputs.addAll(Semantics.inputs(pref.when()));
            spec.commandLine().getOut().printf("%s: policy %s, %d features (%s), %d statements, %d preferences;"
                            + " run-time inputs: %s%n", file, p.name(), p.features().size(),
                    String.join(", ", p.features().keySet()), p.statements().size(), p.preferences().size(),
                    inputs.isEmpty() ? "none" : String.join(", ", inputs));
            return 0;
        }
    }

    @Command(name = "resolve", mixinStandardHelpOptions = true,
            description = "Resolves a client and a server policy with the server's run-time inputs: the features a "
                    + "session runs, with their parameters, chosen to maximise both sides' preferences.")
    static final class Resolve extends Pair {
        @Override
        int report(Resolver.Resolution r, PrintWriter out) {
            if (r instanceof Resolver.Agreed a) {
                out.println("configuration: " + a.configuration());
                out.println("score: " + a.score() + " (both sides' preference points)");
                return 0;
            }
            out.println(r);
            return 1;
        }
    }

    @Command(name = "explain", mixinStandardHelpOptions = true,
            description = "Explains why a client and a server policy conflict: a minimal set of their statements "
                    + "that cannot hold together (drop any one and the rest can), with line numbers.")
    static final class Explain extends Pair {
        @Override
        int report(Resolver.Resolution r, PrintWriter out) {
            if (r instanceof Resolver.Agreed a) {
                out.println("no conflict: the policies agree on " + a.configuration());
                return 0;
            }
            out.println(r);
            return 0;
        }
    }

    @Command(name = "convert", mixinStandardHelpOptions = true,
            description = "Converts a policy between the text language and WS-Policy 1.5 XML (the direction follows "
                    + "the input). What WS-Policy's operators cannot say (not/or, requires, conflicts, if, inputs, "
                    + "preferences) travels as gq: elements; --normal-form writes WS-Policy's normal form, which "
                    + "has none of them: such a policy is refused there with the statement's position.")
    static final class Convert implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "FILE", description = "A policy file, text or XML.")
        Path file;

        @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write here (default: standard output).")
        Path output;

        @Option(names = "--normal-form", description = "To XML: WS-Policy's normal form, one wsp:ExactlyOne of "
                + "wsp:All alternatives (WS-Policy's meaning: a choice of one alternative).")
        boolean normalForm;

        @Override
        public Integer call() {
            try {
                String text = text(file);
                Policy p = parse(file, text);
                if (isXml(text) && normalForm) throw new UserError("--normal-form is for text to XML");
                String converted = isXml(text) ? PolicyText.write(p)
                        : normalForm ? WsPolicyXml.writeNormalForm(p) : WsPolicyXml.write(p);
                if (output == null) spec.commandLine().getOut().print(converted);
                else Files.writeString(output, converted, StandardCharsets.UTF_8);
                spec.commandLine().getOut().flush();
                return 0;
            } catch (IOException e) {
                spec.commandLine().getErr().println("gridlet policy convert: cannot write " + output + ": "
                        + e.getMessage());
                return 2;
            }
        }
    }
}
