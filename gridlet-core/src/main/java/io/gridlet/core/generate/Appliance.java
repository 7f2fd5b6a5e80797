package io.gridlet.core.generate;

/**
 * Kinds of appliance behind a plug, each with a daily load profile in watts. Profiles repeat from day to day
 * (with noise added by the generator), which is what gives Q1's same-slot history something to predict from.
 */
public enum Appliance {
    /** Compressor cycling about 20 minutes on, 40 off, all day. */
    FRIDGE {
        @Override
        double watts(int secondOfDay, double phase) {
            double cycle = ((secondOfDay + phase * 3600) % 3600) / 3600.0;
            return cycle < 0.33 ? 120 : 4;
        }
    },
    /** Lights in the morning and the evening. */
    LIGHTING {
        @Override
        double watts(int secondOfDay, double phase) {
            double h = hour(secondOfDay, phase);
            return (h >= 6.5 && h < 8) || (h >= 18 && h < 23.5) ? 60 + 40 * Math.sin(h) * Math.sin(h) : 0;
        }
    },
    /** Television in the evening, standby otherwise. */
    TELEVISION {
        @Override
        double watts(int secondOfDay, double phase) {
            double h = hour(secondOfDay, phase);
            return h >= 19 && h < 23 ? 110 : 1.5;
        }
    },
    /** A desk computer during working hours. */
    COMPUTER {
        @Override
        double watts(int secondOfDay, double phase) {
            double h = hour(secondOfDay, phase);
            return h >= 9 && h < 17.5 ? 85 + 30 * Math.sin(h * 2.1) : 3;
        }
    },
    /** An electric heater with a morning and an evening peak. */
    HEATER {
        @Override
        double watts(int secondOfDay, double phase) {
            double h = hour(secondOfDay, phase);
            return (h >= 6 && h < 9) ? 1800 : (h >= 17 && h < 22) ? 1500 : 0;
        }
    },
    /** A washing machine running one cycle in the late morning. */
    WASHER {
        @Override
        double watts(int secondOfDay, double phase) {
            double h = hour(secondOfDay, phase);
            if (h < 10 || h >= 11.5) return 0.5;
            return h < 10.5 ? 2000 : 350;
        }
    },
    /** A device that never changes much: a router, a clock. */
    STANDBY {
        @Override
        double watts(int secondOfDay, double phase) {
            return 8;
        }
    };

    /** Mean load in watts at this second of the day; {@code phase} in [0, 1) shifts the plug's schedule. */
    abstract double watts(int secondOfDay, double phase);

    private static double hour(int secondOfDay, double phase) {
        double h = secondOfDay / 3600.0 + (phase - 0.5); // +-30 minutes per plug
        return h < 0 ? h + 24 : h >= 24 ? h - 24 : h;
    }
}
