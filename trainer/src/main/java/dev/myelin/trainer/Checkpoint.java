package dev.myelin.trainer;

import dev.myelin.core.Matrix;
import dev.myelin.trainer.data.InvalidDataException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UTFDataFormatException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.zip.CRC32;

/**
 * Saves and restores a training run: the model's parameters, the optimizer's state and step count, the
 * completed epochs and the shuffling seed, so that a resumed run continues bit for bit like an
 * uninterrupted one.
 *
 * <p>Format (version 1), big-endian, strings as {@link java.io.DataOutput#writeUTF} (2-byte length, then
 * modified UTF-8):
 * <pre>
 *   bytes  field
 *   8      magic "MYELINCK" (ASCII)
 *   4      version, int32 = 1
 *   2+n    model, e.g. "Flatten(28x28) -> Dense(784->128) -> ReLU -> Dense(128->10)"
 *   2+n    optimizer name: "sgd", "adam" or "adamw"
 *   2+n    backend that trained it (information only: the values load on any backend)
 *   4      optimizer steps taken, int32
 *   4      epochs completed, int32
 *   8      shuffling seed, int64
 *   4      tensor count T, int32
 *   T times:
 *     2+n  name, e.g. "layer1.W" (parameters first, in model order) or "layer1.W.m" (optimizer state)
 *     4    rows, int32
 *     4    cols, int32
 *     4*rows*cols  values, IEEE 754 float32, row-major
 *   4      CRC-32 (java.util.zip.CRC32) of every byte before it, as int32
 * </pre>
 * Files are written with {@link AtomicFile}: a crash leaves the previous checkpoint intact.
 */
public final class Checkpoint {

    /** The first 8 bytes of every checkpoint. */
    public static final byte[] MAGIC = "MYELINCK".getBytes(StandardCharsets.US_ASCII);
    public static final int VERSION = 1;

    /** A tensor as stored. */
    public record Tensor(String name, int rows, int cols, float[] values) {
    }

    /** The contents of a checkpoint file. */
    public record Contents(String model, String optimizer, String backend, int steps, int epochs, long seed,
                           List<Tensor> tensors) {
    }

    private Checkpoint() {
    }

    /** Writes the trainer's model, optimizer and progress to {@code file}, atomically. */
    public static void save(Path file, Trainer trainer) throws IOException {
        byte[] bytes = encode(trainer);
        AtomicFile.write(file, out -> out.write(bytes));
    }

    /**
     * Restores {@code trainer} (its model's parameters, optimizer state and step count, completed epochs
     * and seed) from {@code file}. The file is read and checked in full before anything is changed: a
     * corrupt, truncated or mismatched file is an {@link InvalidDataException} and leaves the trainer as it was.
     */
    public static Contents load(Path file, Trainer trainer) throws IOException {
        Contents c = read(file);
        Sequential model = trainer.model();
        Optimizer opt = trainer.optimizer();
        if (!c.model().equals(model.toString())) {
            throw new InvalidDataException(file, "holds the model " + c.model() + ", not " + model);
        }
        if (!c.optimizer().equals(opt.name())) {
            throw new InvalidDataException(file, "holds the state of optimizer " + c.optimizer() + ", not " + opt.name());
        }
        List<Parameter> targets = tensors(trainer);
        if (targets.size() != c.tensors().size()) {
            throw new InvalidDataException(file, "holds " + c.tensors().size() + " tensors, this model and optimizer have "
                    + targets.size());
        }
        for (int i = 0; i < targets.size(); i++) {
            Tensor s = c.tensors().get(i);
            Matrix m = targets.get(i).value();
            if (!s.name().equals(targets.get(i).name()) || s.rows() != m.rows() || s.cols() != m.cols()) {
                throw new InvalidDataException(file, "tensor " + i + " is " + s.name() + " " + s.rows() + "x" + s.cols()
                        + ", expected " + targets.get(i).name() + " " + m.rows() + "x" + m.cols());
            }
        }
        for (int i = 0; i < targets.size(); i++) {
            targets.get(i).value().copyFrom(c.tensors().get(i).values());
        }
        opt.steps(c.steps());
        trainer.restore(c.epochs(), c.seed());
        return c;
    }

    /** Reads and checks a checkpoint file without applying it. */
    public static Contents read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new InvalidDataException(file, "no such checkpoint file");
        }
        byte[] bytes = Files.readAllBytes(file);
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        String field = "the magic number";
        try {
            byte[] magic = new byte[MAGIC.length];
            in.readFully(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new InvalidDataException(file, "not a Myelin checkpoint (it does not start with \"MYELINCK\")");
            }
            field = "the version";
            int version = in.readInt();
            if (version != VERSION) {
                throw new InvalidDataException(file, "checkpoint format version " + version + " is not supported (this reads "
                        + VERSION + ")");
            }
            field = "the header";
            String model = in.readUTF();
            String optimizer = in.readUTF();
            String backend = in.readUTF();
            int steps = in.readInt();
            int epochs = in.readInt();
            long seed = in.readLong();
            int count = in.readInt();
            if (count < 0 || steps < 0 || epochs < 0) {
                throw new InvalidDataException(file, "corrupt header: " + count + " tensors, " + steps + " steps, "
                        + epochs + " epochs");
            }
            List<Tensor> tensors = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                field = "tensor " + i;
                String name = in.readUTF();
                field = "tensor " + i + " (" + name + ")";
                int rows = in.readInt();
                int cols = in.readInt();
                long size = (long) rows * cols;
                if (rows <= 0 || cols <= 0 || size * Float.BYTES > in.available()) {
                    throw new InvalidDataException(file, (rows <= 0 || cols <= 0 ? "corrupt: " : "truncated: ") + field
                            + " is " + rows + "x" + cols + " but only " + in.available() + " bytes remain");
                }
                float[] v = new float[(int) size];
                for (int j = 0; j < v.length; j++) {
                    v[j] = in.readFloat();
                }
                tensors.add(new Tensor(name, rows, cols, v));
            }
            field = "the CRC-32";
            int stored = in.readInt();
            if (in.available() > 0) {
                throw new InvalidDataException(file, in.available() + " unexpected bytes after the checksum");
            }
            CRC32 crc = new CRC32();
            crc.update(bytes, 0, bytes.length - Integer.BYTES);
            if ((int) crc.getValue() != stored) {
                throw new InvalidDataException(file, String.format(Locale.ROOT,
                        "corrupt: its CRC-32 is %08x, the file says %08x", (int) crc.getValue(), stored));
            }
            return new Contents(model, optimizer, backend, steps, epochs, seed, List.copyOf(tensors));
        } catch (EOFException e) {
            throw new InvalidDataException(file, "truncated: the file ends (at " + bytes.length + " bytes) inside " + field);
        } catch (UTFDataFormatException e) {
            throw new InvalidDataException(file, "corrupt: malformed text in " + field);
        }
    }

    private static byte[] encode(Trainer trainer) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(MAGIC);
        out.writeInt(VERSION);
        out.writeUTF(trainer.model().toString());
        out.writeUTF(trainer.optimizer().name());
        out.writeUTF(trainer.model().kernels().name());
        out.writeInt(trainer.optimizer().steps());
        out.writeInt(trainer.epochs());
        out.writeLong(trainer.seed());
        List<Parameter> tensors = tensors(trainer);
        out.writeInt(tensors.size());
        for (Parameter p : tensors) {
            Matrix m = p.value();
            out.writeUTF(p.name());
            out.writeInt(m.rows());
            out.writeInt(m.cols());
            for (float f : m.toArray()) {
                out.writeFloat(f);
            }
        }
        out.flush();
        CRC32 crc = new CRC32();
        crc.update(bytes.toByteArray());
        out.writeInt((int) crc.getValue());
        out.flush();
        return bytes.toByteArray();
    }

    private static List<Parameter> tensors(Trainer trainer) {
        List<Parameter> all = new ArrayList<>(trainer.model().parameters());
        all.addAll(trainer.optimizer().state());
        return all;
    }

    /** A listener that saves a checkpoint after every epoch. */
    public static TrainingListener everyEpoch(Path file) {
        return new TrainingListener() {
            @Override
            public void onEpochEnd(EpochResult result, Trainer trainer) throws IOException {
                save(file, trainer);
            }
        };
    }
}
