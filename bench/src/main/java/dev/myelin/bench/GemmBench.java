package dev.myelin.bench;

import dev.ludovic.netlib.blas.JavaBLAS;
import dev.myelin.core.Backends;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.core.Trans;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.CommonOps_FDRM;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * SGEMM, {@code C = op(A) op(B)}, row-major, per implementation and shape. Myelin and OpenBLAS work on
 * the same off-heap memory (OpenBLAS through a direct buffer over the segment); EJML and netlib work on
 * float[] copies. Before anything is timed, each implementation's result is checked against the
 * Myelin reference within the GEMM error bound ({@link Verify}); a wrong result fails the run.
 *
 * <p>Shapes: {@code MxNxK:AB} with A, B in {N, T}. The MLP shapes of the Fashion-MNIST network at batch B
 * are {@code Bx128x784:NN} (forward), {@code 784x128xB:TN} (weight gradient) and {@code Bx784x128:NT}
 * (input gradient). The score is microseconds per call; GFLOP/s = 2 M N K / score / 1000.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--sun-misc-unsafe-memory-access=allow",
        "--enable-native-access=ALL-UNNAMED"})
public class GemmBench {

    @Param({"simd", "openblas", "reference", "ejml", "netlib"})
    public String impl;

    @Param({"256x256x256:NN"})
    public String shape;

    /** Threads for simd and openblas; the others are single-threaded. */
    @Param({"1"})
    public int threads;

    private int m;
    private int n;
    private int k;
    private Trans opA;
    private Trans opB;
    private Matrix a;
    private Matrix b;
    private Matrix c;
    private Kernels kernels;
    private FloatBuffer fa;
    private FloatBuffer fb;
    private FloatBuffer fc;
    private float[] ha;
    private float[] hb;
    private float[] hc;
    private FMatrixRMaj ea;
    private FMatrixRMaj eb;
    private FMatrixRMaj ec;
    private JavaBLAS netlib;

    @Setup(Level.Trial)
    public void setUp() {
        String[] dims = shape.split("[x:]");
        m = Integer.parseInt(dims[0]);
        n = Integer.parseInt(dims[1]);
        k = Integer.parseInt(dims[2]);
        opA = Trans.valueOf(dims[3].substring(0, 1));
        opB = Trans.valueOf(dims[3].substring(1, 2));
        SplittableRandom rnd = new SplittableRandom(42);
        a = random(rnd, opA == Trans.N ? m : k, opA == Trans.N ? k : m);
        b = random(rnd, opB == Trans.N ? k : n, opB == Trans.N ? n : k);
        c = Matrix.allocate(m, n);
        switch (impl) {
            case "simd", "reference" -> kernels = Backends.get(impl, threads);
            case "openblas" -> {
                openblas_nolapack.blas_set_num_threads(threads);
                fa = buffer(a);
                fb = buffer(b);
                fc = buffer(c);
            }
            case "ejml" -> {
                ea = new FMatrixRMaj(a.rows(), a.cols(), true, a.toArray());
                eb = new FMatrixRMaj(b.rows(), b.cols(), true, b.toArray());
                ec = new FMatrixRMaj(m, n);
            }
            case "netlib" -> {
                netlib = JavaBLAS.getInstance();
                ha = a.toArray();
                hb = b.toArray();
                hc = new float[m * n];
            }
            default -> throw new IllegalArgumentException("unknown impl " + impl);
        }
        gemm();
        Verify.gemm(impl + " " + shape, result(), a, opA, b, opB);
    }

    @Benchmark
    public Object gemm() {
        switch (impl) {
            case "simd", "reference" -> kernels.gemm(c, a, opA, b, opB, 1f, 0f);
            case "openblas" -> openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor,
                    opA == Trans.N ? openblas_nolapack.CblasNoTrans : openblas_nolapack.CblasTrans,
                    opB == Trans.N ? openblas_nolapack.CblasNoTrans : openblas_nolapack.CblasTrans,
                    m, n, k, 1f, fa, a.cols(), fb, b.cols(), 0f, fc, n);
            case "ejml" -> {
                if (opA == Trans.N && opB == Trans.N) {
                    CommonOps_FDRM.mult(ea, eb, ec);
                } else if (opA == Trans.T && opB == Trans.N) {
                    CommonOps_FDRM.multTransA(ea, eb, ec);
                } else if (opA == Trans.N) {
                    CommonOps_FDRM.multTransB(ea, eb, ec);
                } else {
                    CommonOps_FDRM.multTransAB(ea, eb, ec);
                }
            }
            // Column-major BLAS on row-major data: C^T = op(B)^T op(A)^T.
            case "netlib" -> netlib.sgemm(opB == Trans.N ? "N" : "T", opA == Trans.N ? "N" : "T", n, m, k, 1f,
                    hb, b.cols(), ha, a.cols(), 0f, hc, n);
            default -> throw new IllegalStateException(impl);
        }
        return c;
    }

    private Matrix result() {
        switch (impl) {
            case "ejml" -> c.copyFrom(ec.data);
            case "netlib" -> c.copyFrom(hc);
            default -> { }
        }
        return c;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        a.close();
        b.close();
        c.close();
    }

    private static Matrix random(SplittableRandom rnd, int rows, int cols) {
        Matrix x = Matrix.allocate(rows, cols);
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextDouble(-1, 1);
        }
        return x.copyFrom(v);
    }

    private static FloatBuffer buffer(Matrix x) {
        return x.segment().asByteBuffer().order(ByteOrder.nativeOrder()).asFloatBuffer();
    }
}
