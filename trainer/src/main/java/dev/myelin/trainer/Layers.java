package dev.myelin.trainer;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Builds layers from text: from the type and settings a model file stores ({@link #create}), and from the
 * short layer syntax the command line and the Spark estimator take ({@link #parse}).
 */
public final class Layers {

    private static final List<String> ACTIVATIONS = List.of("identity", "relu", "leaky_relu", "sigmoid", "tanh", "gelu");

    private Layers() {
    }

    /** A new layer of {@code type} with {@code config}; an unknown type or a bad setting names itself. */
    public static Layer create(String type, Map<String, String> config) {
        return switch (type) {
            case "dense" -> Dense.of(config);
            case "flatten" -> new Flatten();
            case "dropout" -> Dropout.of(config);
            case "standardize" -> Standardize.of(config);
            case "identity", "relu", "leaky_relu", "sigmoid", "tanh", "gelu" -> Activation.of(type, config);
            default -> throw new IllegalArgumentException("unknown layer type '" + type + "'");
        };
    }

    /**
     * The layers a short description names, ending in an output layer of {@code outputs} units. Items,
     * separated by commas:
     * <ul>
     *   <li>{@code N}: a Dense layer of N units; {@code N:ACT}: the same followed by an activation ({@code relu},
     *       {@code leaky_relu}, {@code sigmoid}, {@code tanh}, {@code gelu}, {@code identity}); He initialisation
     *       before a ReLU-like activation, Xavier otherwise;</li>
     *   <li>{@code ACT}: an activation alone; {@code dropout:R}: dropout of rate R; {@code flatten}.</li>
     * </ul>
     * A Flatten is put in before the first Dense layer when the input has more than one dimension. Unless the
     * description ends with a Dense layer of exactly {@code outputs} units and no activation, that output layer
     * (Xavier) is appended. E.g. {@code "128:relu"} and {@code "128:relu,10"} both give, for 10 outputs,
     * {@code Dense(128) ReLU Dense(10)}. A bad item is an {@link IllegalArgumentException} that quotes it.
     */
    public static List<Layer> parse(String description, Shape input, int outputs) {
        if (description == null) {
            throw new NullPointerException("description is null");
        }
        List<Layer> layers = new ArrayList<>();
        boolean flat = input.rank() == 1;
        boolean endsWithOutput = false;
        String text = description.strip();
        String[] items = text.isEmpty() ? new String[0] : text.split(",", -1);
        for (String raw : items) {
            String item = raw.strip().toLowerCase(Locale.ROOT);
            String[] parts = item.split(":", -1);
            endsWithOutput = false;
            try {
                if (parts[0].matches("\\d+")) {
                    int units = Integer.parseInt(parts[0]);
                    if (parts.length > 2 || (parts.length == 2 && !ACTIVATIONS.contains(parts[1]))) {
                        throw new IllegalArgumentException("expected N or N:ACTIVATION with ACTIVATION one of " + ACTIVATIONS);
                    }
                    if (!flat) {
                        layers.add(new Flatten());
                        flat = true;
                    }
                    String act = parts.length == 2 ? parts[1] : null;
                    boolean reluLike = "relu".equals(act) || "leaky_relu".equals(act) || "gelu".equals(act);
                    layers.add(new Dense(units, reluLike ? Init.HE : Init.XAVIER));
                    if (act != null) {
                        layers.add(activation(act));
                    }
                    endsWithOutput = act == null && units == outputs;
                } else if (parts[0].equals("dropout")) {
                    if (parts.length != 2) {
                        throw new IllegalArgumentException("expected dropout:RATE");
                    }
                    layers.add(new Dropout(Float.parseFloat(parts[1])));
                } else if (parts[0].equals("flatten") && parts.length == 1) {
                    layers.add(new Flatten());
                    flat = true;
                } else if (ACTIVATIONS.contains(parts[0]) && parts.length == 1) {
                    layers.add(activation(parts[0]));
                } else {
                    throw new IllegalArgumentException("expected N, N:ACTIVATION, ACTIVATION, dropout:RATE or flatten");
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("layer '" + raw.strip() + "' in '" + description + "': not a number");
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("layer '" + raw.strip() + "' in '" + description + "': " + e.getMessage(), e);
            }
        }
        if (!endsWithOutput) {
            if (!flat) {
                layers.add(new Flatten());
            }
            layers.add(new Dense(outputs, Init.XAVIER));
        }
        return List.copyOf(layers);
    }

    private static Activation activation(String name) {
        return Activation.of(name, Map.of("slope", "0.01"));
    }

    /** Throws unless this is the first {@code build} of {@code layer} ({@code built} says whether it was built before). */
    static void once(boolean built, Layer layer) {
        if (built) {
            throw new IllegalStateException(layer + " already belongs to a model; each model needs layer instances of its own");
        }
    }

    static String value(Map<String, String> config, String key) {
        String v = config.get(key);
        if (v == null) {
            throw new IllegalArgumentException("the layer setting '" + key + "' is missing (settings: " + config + ")");
        }
        return v;
    }

    static int intValue(Map<String, String> config, String key) {
        String v = value(config, key);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the layer setting " + key + "=" + v + " is not an integer");
        }
    }

    static float floatValue(Map<String, String> config, String key) {
        String v = value(config, key);
        try {
            return Float.parseFloat(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the layer setting " + key + "=" + v + " is not a number");
        }
    }

    static <E extends Enum<E>> E enumValue(Map<String, String> config, String key, Class<E> type) {
        String v = value(config, key);
        try {
            return Enum.valueOf(type, v.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the layer setting " + key + "=" + v + " is not one of "
                    + java.util.Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT));
        }
    }
}
