package dev.myelin.trainer.data;

import java.io.IOException;
import java.nio.file.Path;

/** A data or checkpoint file that cannot be used: the message names the file and what is wrong with it. */
public final class InvalidDataException extends IOException {

    private static final long serialVersionUID = 1L;

    /**
     * An exception whose message is {@code "<file>: <problem>"}.
     *
     * @param file    the file that cannot be used
     * @param problem what is wrong with it, e.g. {@code "line 3, column 2: 'x' is not a number"}
     */
    public InvalidDataException(Path file, String problem) {
        super(file + ": " + problem);
    }

    /**
     * An exception whose message is {@code "<file>: <problem>"}, with the exception that revealed it.
     *
     * @param file    the file that cannot be used
     * @param problem what is wrong with it
     * @param cause   the exception that revealed it, e.g. a {@link java.util.zip.ZipException}
     */
    public InvalidDataException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
