package io.gridlet.bench;

import io.gridlet.core.generate.GeneratorConfig;

/**
 * The data shapes the engine benchmarks run on: {@code debs} (every plug every second, like the DEBS'14 set:
 * input-heavy, one timestamp per second), {@code sparse} ({@link GeneratorConfig#outputHeavy}: 240 plugs each at its own
 * offset every 8 s, 5 % of readings dropped: output-heavy; {@code plugs} is ignored), {@code generated} (what
 * {@code gridlet run} generates by default: 40 plugs in 5 houses every 5 s with gaps and outages; {@code plugs}
 * is ignored).
 */
final class Shapes {
    private Shapes() {
    }

    static GeneratorConfig config(String shape, int plugs, double days) {
        return switch (shape) {
            case "debs" -> DebsShapedData.config(plugs, days);
            case "sparse" -> GeneratorConfig.outputHeavy(2014, days, GeneratorConfig.DEFAULT_START);
            case "generated" -> GeneratorConfig.builder().span(days, GeneratorConfig.defaults().intervalSeconds())
                    .build();
            default -> throw new IllegalArgumentException("--shape is debs, sparse or generated, not " + shape);
        };
    }
}
