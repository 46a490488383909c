package dev.myelin.trainer;

import dev.myelin.core.Matrix;
import dev.myelin.trainer.data.InvalidDataException;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UTFDataFormatException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * A training run's state, so that a resumed run continues bit for bit like an uninterrupted one: the
 * model file (architecture, weights and running state), the optimizer's rule and state, the schedule, the options that fix
 * the data order (seed, batch size, accumulation, validation split, shard), and the progress (epochs and
 * optimizer steps). A model for inference needs only the model file ({@link Model#save}); a checkpoint is
 * for continuing training.
 *
 * <p>Format version 2, inside the {@link Framing} frame (magic {@code MYELINCK}, version, length, body,
 * CRC-32C), big-endian, strings as {@link java.io.DataOutput#writeUTF}:
 * <pre>
 *   4+n   model file: its length, int32, then a whole model file ({@link ModelFile})
 *   2+n   optimizer, e.g. "adam(lr=0.001, beta1=0.9, beta2=0.999, eps=1.0E-8, weightDecay=0.0)"
 *   2+n   schedule, e.g. "Cosine[epochs=10, floor=0.0]"
 *   4     batch size, int32
 *   4     micro-batches per step (accumulate), int32
 *   8     validation split, float64
 *   4, 4  rank, world size, int32
 *   8     seed, int64 (with the epoch index it fixes the next epoch's order)
 *   4     epochs completed, int32
 *   4     optimizer steps taken, int32 (bias correction and the schedule continue from it)
 *   4     state block count, int32; per block: name (e.g. "m"), rows, cols (int32: 1 and the slab size),
 *         values (float32), the optimizer's state in the model's slab layout
 * </pre>
 * Loading reads and checks the whole file, then checks it against the trainer (architecture, optimizer,
 * schedule, options), before anything changes; every mismatch is an {@link InvalidDataException} that names
 * it. Version 1 files (before model files existed) are refused with a message saying so.
 */
public final class Checkpoint {

    /** The first 8 bytes of every checkpoint. */
    public static final byte[] MAGIC = "MYELINCK".getBytes(StandardCharsets.US_ASCII);
    /** The format version this class writes, and the only one it reads. */
    public static final int VERSION = 2;

    /**
     * An optimizer state block as stored.
     *
     * @param name   the block's name, as the optimizer names it (e.g. {@code "m"})
     * @param cols   its length: the model's slab size
     * @param values its values, in the model's slab layout
     */
    public record Block(String name, int cols, float[] values) {
    }

    /**
     * A checkpoint's contents, read and checked.
     *
     * @param model           the model file inside
     * @param optimizer       the optimizer's rule and settings, as its {@code toString()}
     * @param schedule        the schedule, as its {@code toString()}
     * @param batchSize       the samples per micro-batch
     * @param accumulate      the micro-batches per optimizer step
     * @param validationSplit the fraction held out for validation
     * @param rank            the replica's index
     * @param worldSize       the number of replicas
     * @param seed            the trainer's seed
     * @param epochs          the epochs completed
     * @param steps           the optimizer steps taken
     * @param state           the optimizer's state blocks, in the optimizer's order
     */
    public record Contents(ModelFile.Contents model, String optimizer, String schedule, int batchSize, int accumulate,
                           double validationSplit, int rank, int worldSize, long seed, int epochs, int steps,
                           List<Block> state) {
    }

    private Checkpoint() {
    }

    /**
     * Writes the trainer's model, optimizer state, options and progress to {@code file}, atomically.
     *
     * @param file    the file to write; its folder must exist
     * @param trainer the trainer to save
     * @throws IOException if the file cannot be written; a previous file of that name is then left whole
     */
    public static void save(Path file, Trainer trainer) throws IOException {
        byte[] model = ModelFile.encode(trainer.model());
        List<String> names = trainer.optimizer().stateNames();
        List<Matrix> state = trainer.state();
        byte[] bytes = Framing.frame(MAGIC, VERSION, out -> {
            out.writeInt(model.length);
            out.write(model);
            out.writeUTF(trainer.optimizer().toString());
            out.writeUTF(trainer.schedule().toString());
            out.writeInt(trainer.batchSize());
            out.writeInt(trainer.accumulate());
            out.writeDouble(trainer.validationSplit());
            out.writeInt(trainer.rank());
            out.writeInt(trainer.worldSize());
            out.writeLong(trainer.seed());
            out.writeInt(trainer.epochs());
            out.writeInt(trainer.steps());
            out.writeInt(state.size());
            for (int i = 0; i < state.size(); i++) {
                Matrix m = state.get(i);
                out.writeUTF(names.get(i));
                out.writeInt(m.rows());
                out.writeInt(m.cols());
                Framing.writeFloats(out, m.toArray());
            }
        });
        AtomicFile.write(file, out -> out.write(bytes));
    }

    /**
     * Restores {@code trainer} (its model's weights, the optimizer state, the seed, the epochs and steps taken)
     * from {@code file}. The file is read and checked in full, and against the trainer, before anything changes:
     * a corrupt, truncated or mismatched file is an {@link InvalidDataException} and leaves the trainer as it was.
     *
     * @param file    the checkpoint
     * @param trainer the trainer to restore, set up as the saved one was (model, optimizer, schedule, options)
     * @return the checkpoint's contents
     * @throws IOException if the file cannot be read, or is not a whole, valid checkpoint of this trainer's setup
     *                     ({@link InvalidDataException}, naming the file and the mismatch)
     */
    public static Contents load(Path file, Trainer trainer) throws IOException {
        Contents c = read(file);
        Model model = trainer.model();
        String difference = c.model().difference(model);
        if (difference != null) {
            throw new InvalidDataException(file, "holds another model: " + difference);
        }
        mismatch(file, "optimizer", c.optimizer(), trainer.optimizer().toString());
        mismatch(file, "schedule", c.schedule(), trainer.schedule().toString());
        mismatch(file, "batch size", c.batchSize(), trainer.batchSize());
        mismatch(file, "accumulate", c.accumulate(), trainer.accumulate());
        mismatch(file, "validation split", c.validationSplit(), trainer.validationSplit());
        mismatch(file, "shard", c.rank() + " of " + c.worldSize(), trainer.rank() + " of " + trainer.worldSize());
        List<Matrix> state = trainer.state();
        List<String> stateNames = trainer.optimizer().stateNames();
        if (c.state().size() != state.size()) {
            throw new InvalidDataException(file, "holds " + c.state().size() + " optimizer state blocks, " + trainer.optimizer().name()
                    + " has " + state.size());
        }
        for (int i = 0; i < state.size(); i++) {
            Block b = c.state().get(i);
            if (!b.name().equals(stateNames.get(i)) || b.cols() != state.get(i).cols()) {
                throw new InvalidDataException(file, "optimizer state block " + i + " is " + b.name() + " of " + b.cols()
                        + " values, expected " + stateNames.get(i) + " of " + state.get(i).cols());
            }
        }
        List<String> names = c.model().classNames();
        if (!model.classNames().isEmpty() && !names.isEmpty() && !model.classNames().equals(names)) {
            throw new InvalidDataException(file, "holds a model of the classes " + names + ", this model's are "
                    + model.classNames());
        }
        ModelFile.checkFits(file, c.model().tensors(), model.parameters(), "in this model");
        ModelFile.checkRunningState(file, c.model().runningState(), model.runningStateTensors(), "in this model");
        ModelFile.applyTargetScaling(file, c.model().targetScaling(), model);   // checks all before it changes the model
        ModelFile.copyInto(file, c.model().tensors(), model.parameters());
        ModelFile.copyInto(file, c.model().runningState(), model.runningStateTensors());
        if (!names.isEmpty()) {
            model.classNames(names);
        }
        for (int i = 0; i < state.size(); i++) {
            state.get(i).copyFrom(c.state().get(i).values());
        }
        trainer.restore(c.epochs(), c.steps(), c.seed());
        return c;
    }

    /**
     * Reads and checks a checkpoint file without applying it.
     *
     * @param file the checkpoint
     * @return its contents, checked
     * @throws IOException if the file cannot be read, or is not a whole, valid checkpoint
     *                     ({@link InvalidDataException}, naming the file and the problem)
     */
    public static Contents read(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new InvalidDataException(file, "is a folder, not a checkpoint file");
        }
        if (!Files.isRegularFile(file)) {
            throw new InvalidDataException(file, "no such checkpoint file");
        }
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length >= 12 && Arrays.equals(bytes, 0, 8, MAGIC, 0, 8) && ByteBuffer.wrap(bytes).getInt(8) == 1) {
            throw new InvalidDataException(file, "a checkpoint of format version 1, written before Myelin had model files: it "
                    + "does not record the loss or the layers' settings, so this version cannot resume it; train again");
        }
        Framing.check(bytes, file, MAGIC, "checkpoint", VERSION);
        DataInputStream in = ModelFile.body(bytes);
        String field = "the model file";
        try {
            int length = in.readInt();
            if (length < 0 || length > in.available()) {
                throw new InvalidDataException(file, "malformed: a model file of " + length + " bytes with " + in.available()
                        + " left");
            }
            byte[] modelBytes = in.readNBytes(length);
            ModelFile.Contents model = ModelFile.decode(modelBytes, file);
            field = "the training options";
            String optimizer = in.readUTF();
            String schedule = in.readUTF();
            int batchSize = in.readInt();
            int accumulate = in.readInt();
            double validation = in.readDouble();
            int rank = in.readInt();
            int world = in.readInt();
            long seed = in.readLong();
            int epochs = in.readInt();
            int steps = in.readInt();
            int count = in.readInt();
            if (epochs < 0 || steps < 0 || count < 0 || count > 16) {
                throw new InvalidDataException(file, "malformed: " + epochs + " epochs, " + steps + " steps, " + count
                        + " state blocks");
            }
            field = "the optimizer state";
            List<ModelFile.Tensor> blocks = ModelFile.readTensors(in, count, file);
            if (in.available() > 0) {
                throw new InvalidDataException(file, "malformed: " + in.available() + " bytes after the optimizer state");
            }
            return new Contents(model, optimizer, schedule, batchSize, accumulate, validation, rank, world, seed, epochs,
                    steps, blocks.stream().map(t -> new Block(t.name(), t.cols(), t.values())).toList());
        } catch (EOFException | UTFDataFormatException e) {
            throw ModelFile.malformed(file, field, e);
        }
    }

    private static void mismatch(Path file, String what, Object stored, Object mine) throws InvalidDataException {
        if (!stored.equals(mine)) {
            throw new InvalidDataException(file, "was written with " + what + " " + stored + ", this trainer has " + mine);
        }
    }

    /**
     * A listener that saves a checkpoint after every epoch.
     *
     * @param file the checkpoint to write, replaced atomically after each epoch
     * @return the listener
     */
    public static TrainingListener everyEpoch(Path file) {
        return new TrainingListener() {
            @Override
            public void onEpochEnd(EpochResult result, Trainer trainer) throws IOException {
                save(file, trainer);
            }
        };
    }
}
