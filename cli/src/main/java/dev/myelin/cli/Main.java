package dev.myelin.cli;

import dev.myelin.trainer.DivergenceException;
import dev.myelin.trainer.data.InvalidDataException;
import java.io.IOException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code myelin} command: {@code train}, {@code evaluate}, {@code predict}, {@code generate}, {@code export},
 * {@code import} and {@code info}. Exit codes: 0 success,
 * 2 bad input (an unknown option, a bad value, a missing folder, a malformed data or checkpoint file:
 * one line on stderr, nothing written), 1 any other failure (an I/O error, such as a failed download, is
 * one line too; {@code -Dmyelin.debug=true} shows its stack trace; training that diverges is one line, and
 * writes no model file or report).
 */
@Command(name = "myelin", mixinStandardHelpOptions = true, version = "myelin 0.1.0",
        description = "Trains, evaluates and runs neural networks on the CPU with Myelin's kernels, on your CSV files or IDX "
                + "images (Fashion-MNIST by default).",
        subcommands = {TrainCommand.class, EvaluateCommand.class, PredictCommand.class, GenerateCommand.class, ExportCommand.class,
                ImportCommand.class, InfoCommand.class})
public final class Main implements Runnable {

    /** Thrown for input the user can fix; becomes one line on stderr and exit code 2. */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "choose a command: train, evaluate, predict, generate, export, import or info");
    }

    /** Runs the command line and returns the exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(out);
        cli.setErr(err);
        cli.setParameterExceptionHandler((e, a) -> {
            err.println("myelin: " + e.getMessage() + " (see 'myelin " + commandName(e.getCommandLine()) + "--help')");
            err.flush();
            return 2;
        });
        cli.setExecutionExceptionHandler((e, c, parsed) -> {
            if (e instanceof UsageException || e instanceof InvalidDataException || e instanceof IllegalArgumentException) {
                err.println("myelin: " + e.getMessage());
                err.flush();
                return 2;
            }
            if (e instanceof DivergenceException) {
                err.println("myelin: " + e.getMessage());
                err.flush();
                return 1;
            }
            if (e instanceof IOException && !Boolean.getBoolean("myelin.debug")) {
                err.println("myelin: " + e.getMessage() + " (-Dmyelin.debug=true shows the stack trace)");
                err.flush();
                return 1;
            }
            throw e;
        });
        return cli.execute(args);
    }

    private static String commandName(CommandLine c) {
        return c.getParent() == null ? "" : c.getCommandName() + " ";
    }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");    // the report chart is drawn off screen
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        System.exit(run(args, out, err));
    }
}
