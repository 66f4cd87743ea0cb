package io.dualcore.gateway.demo;

import java.util.concurrent.CountDownLatch;

/**
 * Runs one echo core as its own process, for the container demo stack:
 * {@code java -cp app.jar -Dloader.main=io.dualcore.gateway.demo.EchoCoreApplication
 * org.springframework.boot.loader.launch.PropertiesLauncher --name=edge-core --port=9002}.
 */
public final class EchoCoreApplication {

    private EchoCoreApplication() {}

    public static void main(String[] args) throws InterruptedException {
        String name = option(args, "name", "echo-core");
        int port = Integer.parseInt(option(args, "port", "9001"));
        String host = option(args, "host", "0.0.0.0");
        EchoCore core = EchoCore.start(name, host, port);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            core.close();
            stopped.countDown();
        }));
        System.out.println("Echo core " + core.name() + " listening on " + host + ":" + core.port());
        stopped.await();
    }

    private static String option(String[] args, String name, String fallback) {
        String prefix = "--" + name + "=";
        for (String arg : args) {
            if (arg.startsWith(prefix)) {
                return arg.substring(prefix.length());
            }
        }
        return fallback;
    }
}
