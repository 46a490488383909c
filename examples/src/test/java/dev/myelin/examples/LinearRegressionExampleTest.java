package dev.myelin.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.myelin.core.Backends;
import java.io.IOException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LinearRegressionExampleTest {

    @ParameterizedTest
    @ValueSource(strings = {"reference", "simd"})
    void recoversSlope3AndIntercept2Point5(String backend) throws IOException {
        var r = LinearRegressionExample.run(Backends.get(backend), 42);
        System.out.println(backend + ": " + r);

        // Statistics: with x ~ U(0,1) and noise e ~ U(0,1) (sd 1/sqrt(12), mean 0.5), the least-squares
        // slope of n samples has standard error sd(e) / (sd(x) sqrt(n)) = 1/sqrt(n) = 0.032 for n = 1000,
        // the intercept sd(e) sqrt(1 + mean(x)^2 / var(x)) / sqrt(n) = 2 sd(e) / sqrt(n) = 0.018. Four
        // standard errors: 0.13 and 0.075.
        assertEquals(3.0, r.olsSlope(), 0.13);
        assertEquals(2.5, r.olsIntercept(), 0.075);

        // Optimisation: gradient descent reaches the least-squares line of the same sample. The MSE
        // Hessian 2 [[E x^2, E x], [E x, 1]] has eigenvalues 2.54 and 0.131; with lr 0.5 the slow direction
        // shrinks by (1 - 0.5 * 0.131)^500 = e^-34 over 500 steps, so what remains is float32 rounding.
        // The float gradient (2/n) sum r_i x_i (|r_i| <= 0.5) is off by at most gamma(n) (2/n) sum |r_i x_i|
        // <= 6e-5 * 0.5 = 3e-5 per component, which moves the fixed point by at most 3e-5 * sqrt(2) / 0.131
        // = 3.3e-4 from the exact minimum.
        assertEquals(r.olsSlope(), r.slope(), 3.3e-4);
        assertEquals(r.olsIntercept(), r.intercept(), 3.3e-4);
    }
}
