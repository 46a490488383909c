package dev.myelin.trainer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Builds layers from text: from the type and settings a model file stores ({@link #create}), and from the
 * short layer syntax the command line and the Spark estimator take ({@link #parse}).
 */
public final class Layers {

    private static final List<String> ACTIVATIONS = List.of("identity", "relu", "leaky_relu", "sigmoid", "tanh", "gelu");

    /** The initialisations the short syntax names: {@link Init}'s constants in lower case. */
    private static final List<String> INITS = Arrays.stream(Init.values()).map(i -> i.name().toLowerCase(Locale.ROOT)).toList();

    private Layers() {
    }

    /**
     * A new layer of {@code type} with {@code config}; an unknown type or a bad setting names itself.
     *
     * @param type   the type name, as {@link Layer#type()} gives it
     * @param config the settings, as {@link Layer#config()} gives them
     * @return the layer, not yet built
     * @throws IllegalArgumentException if the type is unknown or a setting is missing or malformed
     */
    public static Layer create(String type, Map<String, String> config) {
        return switch (type) {
            case "dense" -> Dense.of(config);
            case "flatten" -> new Flatten();
            case "add" -> new Add();
            case "concat" -> new Concat();
            case "dropout" -> Dropout.of(config);
            case "standardize" -> Standardize.of(config);
            case "conv2d" -> Conv2D.of(config);
            case "max_pool2d" -> MaxPool2D.of(config);
            case "avg_pool2d" -> AvgPool2D.of(config);
            case "batch_norm" -> BatchNorm.of(config);
            case "layer_norm" -> LayerNorm.of(config);
            case "global_avg_pool" -> new GlobalAvgPool();
            case "embedding" -> Embedding.of(config);
            case "position_embedding" -> PositionEmbedding.of(config);
            case "causal_self_attention" -> CausalSelfAttention.of(config);
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
     *       before a ReLU-like activation, Xavier otherwise, unless an initialisation ({@code he}, {@code xavier},
     *       {@code fan_in_uniform}, {@code gpt2}: {@link Init}) ends the item, as in {@code 128:relu:fan_in_uniform};</li>
     *   <li>{@code ACT}: an activation alone; {@code dropout:R}: dropout of rate R; {@code flatten}.</li>
     *   <li>{@code conv:F:KxK} (or {@code conv:F:K}): a Conv2D of F filters of K x K, then any of {@code strideN},
     *       {@code padN} (default 1 and 0), {@code nobias} (no bias: before a batch normalization), an activation and
     *       an initialisation (default He). {@code maxpool:K} and {@code avgpool:K}, then optionally {@code strideN}
     *       (default K) and, for average pooling, {@code padN}. {@code gap}: global average pooling, an image
     *       {@code (H, W, C)} to its channels' means {@code (C)}.</li>
     *   <li>{@code bn}: batch normalization over the last axis (the channels), then optionally {@code momentumM} and
     *       {@code epsE} (defaults 0.1 and 1e-5, as PyTorch), e.g. {@code bn:momentum0.01:eps1e-3}; {@code ln}: layer
     *       normalization over the last axis, optionally {@code epsE}.</li>
     *   <li>{@code embed:V:C}: an {@link Embedding} of V token ids into C values, on samples of token ids
     *       {@code (T)}, giving {@code (T, C)}; {@code pos}: a learned {@link PositionEmbedding} for the T positions of
     *       its input; {@code attn:H}: {@link CausalSelfAttention} of H heads. On such a sequence {@code (T, C)} a
     *       Dense item acts on each position ({@link Dense#perPosition}: {@code 512:gelu} gives {@code (T, 512)})
     *       where a {@code pp} part ends it, as in {@code 512:gelu:pp}; without it the sequence is flattened first. A
     *       GPT-2 block is {@code res(ln,attn:4),res(ln,512:gelu:pp,128:pp)}.</li>
     *   <li>{@code gpt:L:H:C} (or {@code gpt:L:H:C:M}): a GPT-style character model on samples of token ids
     *       {@code (T)}: {@code embed:V:C,pos}, then L pre-normalization blocks
     *       {@code res(ln,attn:H),res(ln,M:gelu:gpt2:pp,C:gpt2:pp)} (M, the MLP's width, {@code 4 C} unless given), then
     *       {@code ln}; V is {@code outputs}, the vocabulary. The model is {@code gpt:4:4:128}. It stands for
     *       the whole description (nothing else may go with it).</li>
     *   <li>{@code res(ITEMS)}: a residual block, {@code x + block(x)} where {@code block} is the items inside (any of
     *       the above, nested blocks too) applied to x. Where the block changes the shape of an image (more channels,
     *       a stride), the shortcut is a 1x1 convolution with that stride and channel count, with the settings of
     *       the block's first convolution (initialisation, bias), followed by a copy of the block's first batch
     *       normalization if it has one. E.g. {@code res(conv:32:3x3:stride2:pad1,relu,conv:32:3x3:pad1),relu}.</li>
     * </ul>
     * A Flatten is put in before a Dense layer whose input has more than one dimension. Unless the
     * description ends with a Dense layer of exactly {@code outputs} units and no activation, that output layer
     * (Xavier) is appended; on a sequence {@code (T, C)} it is per position, {@code Dense.perPosition(outputs,
     * Init.GPT2)}, giving {@code (T, outputs)}: one prediction a position, as a language model makes (a description
     * ending in {@code outputs:pp} has it already). E.g. {@code "128:relu"} and {@code "128:relu,10"} both give, for 10 outputs,
     * {@code Dense(128) ReLU Dense(10)}. A bad item is an {@link IllegalArgumentException} that quotes it.
     *
     * @param description the items, comma-separated, e.g. {@code "conv:32:3x3:pad1:relu,maxpool:2,128:relu"} or
     *                    {@code "conv:16:3x3:pad1:nobias,bn,relu,res(conv:16:3x3:pad1:nobias,bn),relu,gap"}
     * @param from        the node the first item is applied to (the model's input, or a layer after it)
     * @param input       the shape of one sample at {@code from}
     * @param outputs     the units of the output layer
     * @return the output node; its layers are new, not yet built
     * @throws IllegalArgumentException quoting the item, if an item is malformed or does not fit the shape before it
     */
    public static Node parse(String description, Node from, Shape input, int outputs) {
        if (description == null) {
            throw new NullPointerException("description is null");
        }
        Parser p = new Parser(description, from, input);
        p.items(gpt(description.strip(), outputs), outputs);
        if (!p.endsWithOutput) {
            if (p.shape.rank() == 2) {
                p.add(Dense.perPosition(outputs, Init.GPT2));
            } else {
                if (p.shape.rank() > 1) {
                    p.add(new Flatten());
                }
                p.add(new Dense(outputs, Init.XAVIER));
            }
        }
        return p.node;
    }

    /**
     * {@code gpt:L:H:C[:M]} written out (see {@link #parse}), for a vocabulary of {@code outputs}; any other
     * description as it is.
     */
    static String gpt(String description, int outputs) {
        String[] parts = description.toLowerCase(Locale.ROOT).split(":", -1);
        if (!parts[0].equals("gpt")) {
            return description;
        }
        if ((parts.length != 4 && parts.length != 5) || description.contains(",")
                || !java.util.Arrays.stream(parts, 1, parts.length).allMatch(s -> s.matches("[1-9]\\d{0,5}"))) {
            throw new IllegalArgumentException("layer '" + description + "': expected gpt:BLOCKS:HEADS:WIDTH[:MLP], each a "
                    + "positive number, alone (the preset is the whole description)");
        }
        int blocks = Integer.parseInt(parts[1]);
        int heads = Integer.parseInt(parts[2]);
        int width = Integer.parseInt(parts[3]);
        int mlp = parts.length == 5 ? Integer.parseInt(parts[4]) : 4 * width;
        StringBuilder b = new StringBuilder("embed:" + outputs + ":" + width + ",pos");
        for (int i = 0; i < blocks; i++) {
            b.append(",res(ln,attn:").append(heads).append("),res(ln,").append(mlp).append(":gelu:gpt2:pp,").append(width)
                    .append(":gpt2:pp)");
        }
        return b.append(",ln").toString();
    }

    /** The state of a parse: the node so far and its shape. */
    private static final class Parser {
        final String description;
        Node node;
        Shape shape;
        boolean endsWithOutput;
        final List<Layer> added = new ArrayList<>();    // every layer, in order, for a block's shortcut settings

        Parser(String description, Node from, Shape input) {
            this.description = description;
            this.node = from;
            this.shape = input;
        }

        /** Applies {@code l} and follows the shape, building a copy of it (the node's layer stays unbuilt). */
        void add(Layer l) {
            shape = Layers.create(l.type(), l.config()).build(shape, new ShapeContext());
            node = node.then(l);
            added.add(l);
        }

        /** The items of {@code text} (a whole description, or a block's inside) applied in order. */
        void items(String text, int outputs) {
            Parser p = this;
            for (String raw : Layers.items(text)) {
                String item = raw.strip().toLowerCase(Locale.ROOT);
                String[] parts = item.split(":", -1);
                p.endsWithOutput = false;
                try {
                    if (item.startsWith("res(") && item.endsWith(")")) {
                        p.residual(raw.strip().substring(4, raw.strip().length() - 1));
                    } else if (parts[0].matches("\\d+")) {
                        int units = Integer.parseInt(parts[0]);
                        String act = null;
                        Init init = null;
                        boolean perPosition = false;
                        for (int i = 1; i < parts.length; i++) {
                            if (ACTIVATIONS.contains(parts[i]) && act == null && init == null && !perPosition) {
                                act = parts[i];
                            } else if (init(parts[i]) != null && init == null && !perPosition) {
                                init = init(parts[i]);
                            } else if (parts[i].equals("pp") && !perPosition) {
                                perPosition = true;
                            } else {
                                throw new IllegalArgumentException("expected N[:ACTIVATION][:INIT][:pp] with ACTIVATION one of "
                                        + ACTIVATIONS + " and INIT one of " + INITS);
                            }
                        }
                        if (p.shape.rank() > 1 && !perPosition) {
                            p.add(new Flatten());
                        }
                        boolean reluLike = "relu".equals(act) || "leaky_relu".equals(act) || "gelu".equals(act);
                        Init chosen = init != null ? init : reluLike ? Init.HE : Init.XAVIER;
                        p.add(perPosition ? Dense.perPosition(units, chosen) : new Dense(units, chosen));
                        if (act != null) {
                            p.add(activation(act));
                        }
                        p.endsWithOutput = act == null && units == outputs && (p.shape.rank() == 1
                                || perPosition && p.shape.rank() == 2);
                    } else if (parts[0].equals("conv")) {
                        if (parts.length < 3 || !parts[1].matches("\\d+")) {
                            throw new IllegalArgumentException("expected conv:FILTERS:KxK[:strideN][:padN][:nobias][:ACTIVATION][:INIT]");
                        }
                        int[] kernel = kernel(parts[2]);
                        int stride = 1;
                        int pad = 0;
                        String act = null;
                        Init init = Init.HE;
                        boolean initGiven = false;
                        boolean bias = true;
                        for (int i = 3; i < parts.length; i++) {
                            if (parts[i].matches("stride\\d+")) {
                                stride = Integer.parseInt(parts[i].substring(6));
                            } else if (parts[i].matches("pad\\d+")) {
                                pad = Integer.parseInt(parts[i].substring(3));
                            } else if (parts[i].equals("nobias") && bias) {
                                bias = false;
                            } else if (ACTIVATIONS.contains(parts[i]) && act == null) {
                                act = parts[i];
                            } else if (init(parts[i]) != null && !initGiven) {
                                init = init(parts[i]);
                                initGiven = true;
                            } else {
                                throw new IllegalArgumentException("expected strideN, padN, nobias, an activation or an "
                                        + "initialisation " + INITS + ", got '" + parts[i] + "'");
                            }
                        }
                        p.add(new Conv2D(Integer.parseInt(parts[1]), kernel[0], kernel[1], stride, stride, pad, pad, init, bias));
                        if (act != null) {
                            p.add(activation(act));
                        }
                    } else if (parts[0].equals("maxpool") || parts[0].equals("avgpool")) {
                        if (parts.length < 2 || !parts[1].matches("\\d+")) {
                            throw new IllegalArgumentException("expected " + parts[0] + ":K[:strideN]" + (parts[0].equals("avgpool")
                                    ? "[:padN]" : ""));
                        }
                        int window = Integer.parseInt(parts[1]);
                        int stride = window;
                        int pad = 0;
                        for (int i = 2; i < parts.length; i++) {
                            if (parts[i].matches("stride\\d+")) {
                                stride = Integer.parseInt(parts[i].substring(6));
                            } else if (parts[i].matches("pad\\d+") && parts[0].equals("avgpool")) {
                                pad = Integer.parseInt(parts[i].substring(3));
                            } else {
                                throw new IllegalArgumentException("unexpected '" + parts[i] + "'");
                            }
                        }
                        p.add(parts[0].equals("maxpool") ? new MaxPool2D(window, stride) : new AvgPool2D(window, stride, pad));
                    } else if (parts[0].equals("dropout")) {
                        if (parts.length != 2) {
                            throw new IllegalArgumentException("expected dropout:RATE");
                        }
                        p.add(new Dropout(Float.parseFloat(parts[1])));
                    } else if (parts[0].equals("bn") || parts[0].equals("ln")) {
                        boolean batch = parts[0].equals("bn");
                        float momentum = BatchNorm.MOMENTUM;
                        float eps = BatchNorm.EPS;
                        boolean momentumGiven = false;
                        boolean epsGiven = false;
                        for (int i = 1; i < parts.length; i++) {
                            if (batch && parts[i].startsWith("momentum") && !momentumGiven) {
                                momentum = Float.parseFloat(parts[i].substring(8));
                                momentumGiven = true;
                            } else if (parts[i].startsWith("eps") && !epsGiven) {
                                eps = Float.parseFloat(parts[i].substring(3));
                                epsGiven = true;
                            } else {
                                throw new IllegalArgumentException("unexpected '" + parts[i] + "'; expected " + (batch
                                        ? "bn[:momentumM][:epsE]" : "ln[:epsE]"));
                            }
                        }
                        p.add(batch ? new BatchNorm(momentum, eps) : new LayerNorm(eps));
                    } else if (parts[0].equals("embed")) {
                        if (parts.length != 3 || !parts[1].matches("\\d+") || !parts[2].matches("\\d+")) {
                            throw new IllegalArgumentException("expected embed:VOCABULARY:WIDTH");
                        }
                        p.add(new Embedding(Integer.parseInt(parts[1]), Integer.parseInt(parts[2])));
                    } else if (parts[0].equals("pos") && parts.length == 1) {
                        if (p.shape.rank() != 2) {
                            throw new IllegalArgumentException("a position embedding takes sequences (length, channels), got "
                                    + "shape " + p.shape);
                        }
                        p.add(new PositionEmbedding(p.shape.dim(0)));
                    } else if (parts[0].equals("attn")) {
                        if (parts.length != 2 || !parts[1].matches("\\d+")) {
                            throw new IllegalArgumentException("expected attn:HEADS");
                        }
                        p.add(new CausalSelfAttention(Integer.parseInt(parts[1])));
                    } else if (parts[0].equals("gap") && parts.length == 1) {
                        p.add(new GlobalAvgPool());
                    } else if (parts[0].equals("flatten") && parts.length == 1) {
                        p.add(new Flatten());
                    } else if (ACTIVATIONS.contains(parts[0]) && parts.length == 1) {
                        p.add(activation(parts[0]));
                    } else {
                        throw new IllegalArgumentException("expected N, N:ACTIVATION, ACTIVATION, dropout:RATE, flatten, conv:..., "
                                + "maxpool:K, avgpool:K, gap, bn, ln, embed:V:C, pos, attn:H or res(...)");
                    }
                } catch (NumberFormatException e) {
                    throw new ItemException("layer '" + raw.strip() + "' in '" + p.description + "': not a number", e);
                } catch (ItemException e) {
                    throw e;            // an item inside a block, already quoted
                } catch (IllegalArgumentException e) {
                    throw new ItemException("layer '" + raw.strip() + "' in '" + p.description + "': " + e.getMessage(), e);
                }
            }
        }

        /** {@code x + block(x)}, the block being {@code inner}'s items; see {@link Layers#parse}. */
        void residual(String inner) {
            Node x = node;
            Shape in = shape;
            int first = added.size();
            if (inner.isBlank()) {
                throw new IllegalArgumentException("a residual block needs at least one item: res(ITEMS)");
            }
            items(inner.strip(), -1);
            List<Layer> block = added.subList(first, added.size());
            Node shortcut = x;
            if (!shape.equals(in)) {
                Layer conv = block.stream().filter(l -> l != null && l.type().equals("conv2d")).findFirst().orElse(null);
                int stride = in.rank() == 3 && shape.rank() == 3 ? stride(in, shape) : 0;
                if (conv == null || stride == 0) {
                    throw new IllegalArgumentException("the block changes the shape from " + in + " to " + shape + ", which a "
                            + "1x1 convolution on the shortcut " + (conv == null ? "(of the block's first convolution: it has "
                            + "none) " : "") + "cannot match");
                }
                Map<String, String> c = new java.util.TreeMap<>(conv.config());
                c.put("filters", Integer.toString(shape.dim(2)));
                c.put("kernel_height", "1");
                c.put("kernel_width", "1");
                c.put("stride_height", Integer.toString(stride));
                c.put("stride_width", Integer.toString(stride));
                c.put("pad_height", "0");
                c.put("pad_width", "0");
                shortcut = x.then(create("conv2d", c));
                for (Layer l : block) {
                    if (l != null && l.type().equals("batch_norm")) {
                        shortcut = shortcut.then(create(l.type(), l.config()));
                        break;
                    }
                }
            }
            node = Node.add(node, shortcut);
            added.add(null);    // the Add: no settings to copy
            endsWithOutput = false;
        }
    }

    /** A bad item, quoted with its description: passed up through the blocks around it unchanged. */
    private static final class ItemException extends IllegalArgumentException {
        ItemException(String message, Exception cause) {
            super(message, cause);
        }
    }

    /** The stride of a 1x1 convolution taking {@code in}'s height and width to {@code out}'s, or 0 if none does. */
    private static int stride(Shape in, Shape out) {
        for (int s = 1; s <= Math.max(in.dim(0), in.dim(1)); s++) {
            if ((in.dim(0) - 1) / s + 1 == out.dim(0) && (in.dim(1) - 1) / s + 1 == out.dim(1)) {
                return s;
            }
        }
        return 0;
    }

    /** The context of a layer built only to learn its output shape. */
    private record ShapeContext() implements Layer.Context {
        @Override
        public dev.myelin.core.Kernels kernels() {
            return null;
        }

        @Override
        public int index() {
            return 0;
        }

        @Override
        public long passKey() {
            return 0;
        }
    }

    /**
     * The items of a description: split at the commas outside parentheses.
     *
     * @throws IllegalArgumentException if the parentheses do not pair up
     */
    private static List<String> items(String text) {
        List<String> items = new ArrayList<>();
        if (text.isEmpty()) {
            return items;
        }
        int depth = 0;
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')' && --depth < 0) {
                throw new IllegalArgumentException("'" + text + "' has a ')' without its '(' at character " + (i + 1));
            } else if (c == ',' && depth == 0) {
                items.add(text.substring(start, i));
                start = i + 1;
            }
        }
        if (depth != 0) {
            throw new IllegalArgumentException("'" + text + "' has a '(' without its ')'");
        }
        items.add(text.substring(start));
        return items;
    }

    /** The initialisation a part of an item names ({@code he}, {@code xavier}, {@code fan_in_uniform}), else null. */
    private static Init init(String part) {
        return INITS.contains(part) ? Init.valueOf(part.toUpperCase(Locale.ROOT)) : null;
    }

    /** {@code "3x3"}, {@code "3x5"} or {@code "3"}: the kernel's height and width. */
    private static int[] kernel(String text) {
        if (text.matches("\\d+")) {
            int k = Integer.parseInt(text);
            return new int[] {k, k};
        }
        if (text.matches("\\d+x\\d+")) {
            String[] hw = text.split("x");
            return new int[] {Integer.parseInt(hw[0]), Integer.parseInt(hw[1])};
        }
        throw new IllegalArgumentException("the kernel size must be K or KxK, got '" + text + "'");
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
