/**
 * Training on the kernels of {@code dev.myelin.core}: a sequential {@link Model} of {@link Layer}s
 * ({@link Dense}, {@link Conv2D}, {@link MaxPool2D}, {@link AvgPool2D}, {@link Activation}, {@link Dropout},
 * {@link Flatten}, {@link Standardize}) and a {@link Loss}; the fit loop, {@link Trainer}, with its
 * {@link Optimizer}s ({@link Sgd}, {@link Adam}), learning-rate {@link Schedule}s and listeners
 * ({@link EarlyStopping}, {@link Checkpoint#everyEpoch}); scores ({@link Evaluation}); and the files that keep a
 * model ({@link ModelFile}, {@link Model#save}) and a training run ({@link Checkpoint}).
 *
 * <p>Every parameter of a model lives in one off-heap block and every gradient in a second of the same layout,
 * so one kernel call updates the whole model; a layer's forward pass writes its activations ({@code =}) and
 * its backward pass writes, or when gradients accumulate adds to ({@code +=}), its parameters' gradients.
 * With the same seeds, backend and vector width, training is bit for bit reproducible, also across a resume
 * from a checkpoint.
 */
package dev.myelin.trainer;
