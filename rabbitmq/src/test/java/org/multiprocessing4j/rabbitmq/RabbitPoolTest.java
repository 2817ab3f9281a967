package org.multiprocessing4j.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.multiprocessing4j.JvmProcess;
import org.multiprocessing4j.MapOptions;
import org.multiprocessing4j.ProcessPoolExecutor;
import org.multiprocessing4j.RemoteProcessException;
import org.multiprocessing4j.WorkerDiedException;

/**
 * The distributed pool across real JVMs: worker nodes run in child JVMs of this test (as {@code
 * mp4j worker} would on other hosts), and a submit-only pool ({@code workers(0)}) in this JVM can
 * only be served by them, so every result proves a trip through the broker and a remote node.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class RabbitPoolTest extends TestContexts {

  private static final Duration WAIT = Duration.ofSeconds(90);

  @TempDir Path dir;

  /** Starts a worker node in a child JVM that serves {@code pool} until killed. */
  private JvmProcess node(RabbitBroker.Broker broker, String pool, int processes) {
    String uri = broker.uri();
    return ctx.process(
            () -> {
              try (RabbitContext c = open(uri)) {
                c.workerNode(pool, processes).awaitStop();
              }
            })
        .setName("node-" + pool)
        .start();
  }

  private ProcessPoolExecutor client(String pool) {
    return ctx.poolBuilder().poolName(pool).workers(0).build();
  }

  private static String pool() {
    return "p" + UUID.randomUUID().toString().substring(0, 8);
  }

  @Test
  void submitMapAndFailures_submitOnlyClient_servedByANodeInAnotherJvm(RabbitBroker.Broker broker)
      throws Exception {
    String pool = pool();
    JvmProcess node = node(broker, pool, 2);
    try (ProcessPoolExecutor client = client(pool)) {
      assertThat(client.workers()).isZero();
      long parent =
          client
              .submit(() -> ProcessHandle.current().parent().orElseThrow().pid())
              .get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(parent).as("the task ran in a worker of the remote node").isEqualTo(node.pid());

      List<Integer> items = IntStream.range(0, 200).boxed().toList();
      assertThat(client.map(x -> x * x, items).toList())
          .isEqualTo(items.stream().map(x -> x * x).toList());
      assertThat(client.imap(x -> x + 1, items, MapOptions.defaults().chunksize(7)).toList())
          .isEqualTo(items.stream().map(x -> x + 1).toList());
      assertThat(new HashSet<>(client.imapUnordered(x -> -x, items).toList()))
          .isEqualTo(new HashSet<>(items.stream().map(x -> -x).toList()));
      assertThat(client.<String, Integer>apply(String::length, "four")).isEqualTo(4);

      CompletableFuture<Object> bad =
          client.submit(
              () -> {
                throw new IllegalStateException("remote boom");
              });
      assertThatThrownBy(() -> bad.get(WAIT.toSeconds(), TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(RemoteProcessException.class)
          .hasMessageContaining("java.lang.IllegalStateException: remote boom");
      RemoteProcessException r = (RemoteProcessException) catchCause(bad);
      assertThat(r.remoteClassName()).isEqualTo("java.lang.IllegalStateException");
      assertThat(r.getStackTrace()).isNotEmpty();

      assertThatThrownBy(
              () ->
                  client
                      .map(
                          x -> {
                            if (x == 150) {
                              throw new IllegalArgumentException("item " + x);
                            }
                            return x;
                          },
                          items)
                      .toList())
          .hasStackTraceContaining("item 150");
    }
  }

  private static Throwable catchCause(CompletableFuture<?> f) {
    try {
      f.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return java.util.Objects.requireNonNull(e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("no failure");
  }

  @Test
  void cancelTimeoutAndDeadWorker_onRemoteNode_stopTheTaskAndThePoolServesOn(
      RabbitBroker.Broker broker) throws Exception {
    String pool = pool();
    node(broker, pool, 1);
    Path pidFile = dir.resolve("runaway.pid");
    String pidPath = pidFile.toString();
    try (ProcessPoolExecutor client = client(pool)) {
      CompletableFuture<Object> runaway =
          client.submit(
              () -> {
                Files.writeString(Path.of(pidPath), Long.toString(ProcessHandle.current().pid()));
                while (true) {
                  Thread.onSpinWait(); // a runaway loop no interrupt stops
                }
              });
      await().atMost(WAIT).until(() -> Files.exists(pidFile) && Files.size(pidFile) > 0);
      long pid = Long.parseLong(Files.readString(pidFile));
      assertThat(runaway.cancel(true)).isTrue();
      assertThat(runaway).isCancelled();
      await().atMost(WAIT).until(() -> ProcessHandle.of(pid).map(ph -> !ph.isAlive()).orElse(true));

      CompletableFuture<Object> slow =
          client.submit(
              () -> {
                Thread.sleep(600_000);
                return "late";
              },
              Duration.ofSeconds(2));
      assertThat(catchCause(slow)).isInstanceOf(TimeoutException.class);

      CompletableFuture<Object> exits =
          client.submit(
              () -> {
                System.exit(3);
                return "never";
              });
      assertThat(catchCause(exits)).isInstanceOf(WorkerDiedException.class);

      assertThat(client.submit(() -> "still serving").get(WAIT.toSeconds(), TimeUnit.SECONDS))
          .isEqualTo("still serving");
    }
  }

  /** A task cancelled while it waits in the broker is dropped by the node that receives it. */
  @Test
  void cancel_taskStillInTheBroker_nodeDropsItOnDelivery(RabbitBroker.Broker broker)
      throws Exception {
    String pool = pool();
    node(broker, pool, 1);
    Path started = dir.resolve("started");
    Path release = dir.resolve("release");
    Path ran = dir.resolve("ran");
    String startedPath = started.toString();
    String releasePath = release.toString();
    String ranPath = ran.toString();
    try (ProcessPoolExecutor client = client(pool)) {
      CompletableFuture<String> blocker =
          client.submit(
              () -> {
                Files.writeString(Path.of(startedPath), "x");
                while (!Files.exists(Path.of(releasePath))) {
                  Thread.sleep(20); // the test releases it by creating the file
                }
                return "released";
              });
      await().atMost(WAIT).until(() -> Files.exists(started));
      // the node of 1 process takes one task more than it runs (PoolNode.prefetch): the next
      // task waits in the node, and the one after it stays in the broker's queue
      CompletableFuture<String> inTheNode = client.submit(() -> "in the node");
      CompletableFuture<String> waiting =
          client.submit(
              () -> {
                Files.writeString(Path.of(ranPath), "ran");
                return "ran";
              });
      ConnectionFactory raw = new ConnectionFactory();
      raw.setUri(broker.uri());
      try (Connection c = raw.newConnection();
          Channel ch = c.createChannel()) {
        String tasks = "mp4j-test.pool." + pool + ".tasks";
        await()
            .atMost(WAIT)
            .during(Duration.ofMillis(300))
            .until(() -> ch.queueDeclarePassive(tasks).getMessageCount() == 1);
      }
      assertThat(waiting.cancel(true)).isTrue();
      Files.writeString(release, "go");
      assertThat(blocker.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("released");
      assertThat(inTheNode.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("in the node");
      assertThat(client.submit(() -> "next").get(WAIT.toSeconds(), TimeUnit.SECONDS))
          .isEqualTo("next");
      assertThat(ran).as("the cancelled task ran").doesNotExist();
    }
  }

  /**
   * A task that kills its worker process the first time it runs (leaving {@code marker}), and
   * answers "second try" when it runs again.
   */
  static String diesOnceThenAnswers(String marker) throws Exception {
    Path m = Path.of(marker);
    if (!Files.exists(m)) {
      Files.writeString(m, "x");
      Runtime.getRuntime().halt(9);
    }
    return "second try";
  }

  @Test
  void retries_workerDiedOnce_taskRunsAgain(RabbitBroker.Broker broker) throws Exception {
    String pool = pool();
    node(broker, pool, 1);
    String marker = dir.resolve("died-once").toString();
    try (ProcessPoolExecutor client =
        ctx.poolBuilder().poolName(pool).workers(0).retries(1).build()) {
      CompletableFuture<String> f = client.submit(() -> diesOnceThenAnswers(marker));
      assertThat(f.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("second try");
    }
  }

  /**
   * A pool on a context with quorum queues: its task queue is a quorum queue (declaring it as a
   * classic one is refused), tasks are answered, and a task whose worker died runs again from it.
   */
  @Test
  void quorumQueues_pool_tasksServedAndAWorkerDeathRetriedFromTheQuorumTaskQueue(
      RabbitBroker.Broker broker) throws Exception {
    String pool = pool();
    String marker = dir.resolve("died-once").toString();
    try (RabbitContext quorum = quorum(broker);
        ProcessPoolExecutor p = quorum.poolBuilder().poolName(pool).workers(1).retries(1).build()) {
      List<CompletableFuture<Integer>> squares = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        int n = i;
        squares.add(p.submit(() -> n * n));
      }
      CompletableFuture<String> dies = p.submit(() -> diesOnceThenAnswers(marker));
      for (int i = 0; i < 10; i++) {
        assertThat(squares.get(i).get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(i * i);
      }
      assertThat(dies.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("second try");

      ConnectionFactory f = new ConnectionFactory();
      f.setUri(broker.uri());
      try (Connection c = f.newConnection()) {
        String tasks = quorum.namespace() + ".pool." + pool + ".tasks";
        Channel ch = c.createChannel(); // closed by the refusal below
        assertThatThrownBy(
                () -> ch.queueDeclare(tasks, true, false, false, Map.of("x-queue-type", "classic")))
            .as("the task queue is a quorum queue: a classic declaration of it is refused")
            .isInstanceOf(IOException.class)
            .hasStackTraceContaining("PRECONDITION_FAILED");
      }
    }
  }

  // ------------------------------------------------ nodes that die, leave and come mid-run

  /**
   * The body of the tasks of the tests below, run in a worker of some node: appends "{@code n
   * node-pid}" to {@code runs.log} in {@code dir} (one line per execution, from every JVM); then,
   * if the file {@code hold-<node-pid>} exists, writes {@code n} into {@code held-<node-pid>} and
   * waits while the hold exists, so that a test can catch a task of a given node mid-task and kill
   * or stop that node then. Returns the node's pid.
   */
  static long runLogged(String dir, int n) throws Exception {
    long node = ProcessHandle.current().parent().orElseThrow().pid();
    Files.writeString(
        Path.of(dir, "runs.log"),
        n + " " + node + "\n",
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
    Path hold = Path.of(dir, "hold-" + node);
    if (Files.exists(hold)) {
      Files.writeString(Path.of(dir, "held-" + node), Integer.toString(n));
      while (Files.exists(hold)) {
        Thread.sleep(10);
      }
    }
    return node;
  }

  /** Submits task {@code n}: {@link #runLogged}, 100 ms of work, then {@code [n * n, node pid]}. */
  private static CompletableFuture<List<Long>> submitLogged(
      ProcessPoolExecutor client, String dir, int n) {
    return client.submit(
        () -> {
          long node = runLogged(dir, n);
          Thread.sleep(100);
          return List.of((long) n * n, node);
        });
  }

  /** The complete lines of {@code runs.log} as {@code [n, node pid]} pairs, in order. */
  private List<long[]> runs() throws Exception {
    Path log = dir.resolve("runs.log");
    if (!Files.exists(log)) {
      return List.of();
    }
    String text = Files.readString(log);
    List<long[]> out = new ArrayList<>();
    // a line being appended by another JVM right now has no newline yet: left out
    text.substring(0, text.lastIndexOf('\n') + 1)
        .lines()
        .forEach(
            line -> {
              int space = line.indexOf(' ');
              out.add(
                  new long[] {
                    Long.parseLong(line.substring(0, space)),
                    Long.parseLong(line.substring(space + 1))
                  });
            });
    return out;
  }

  /** The tasks that ran on node {@code pid}, in the order they started there. */
  private List<Integer> runsOn(long pid) throws Exception {
    return runs().stream().filter(r -> r[1] == pid).map(r -> (int) r[0]).toList();
  }

  /** The nodes that ran task {@code n}, once per execution. */
  private List<Long> nodesThatRan(int n) throws Exception {
    return runs().stream().filter(r -> r[0] == n).map(r -> r[1]).toList();
  }

  /**
   * Holds every task that starts on node {@code pid} from now on (see {@link #runLogged}) and
   * returns the first one held, once it is held: that node is then mid-task.
   */
  private int holdNextTaskOn(long pid) throws Exception {
    Files.writeString(dir.resolve("hold-" + pid), "");
    Path held = dir.resolve("held-" + pid);
    await().atMost(WAIT).until(() -> Files.exists(held) && Files.size(held) > 0);
    return Integer.parseInt(Files.readString(held));
  }

  private static long doneCount(List<? extends CompletableFuture<?>> futures) {
    return futures.stream().filter(CompletableFuture::isDone).count();
  }

  /**
   * Nodes SIGKILLed mid-task give their unacknowledged tasks back to the broker: the task each was
   * running runs again on another node, yet every future completes with its right result, and the
   * submitter sees each task complete once.
   */
  @Test
  void nodesKilledMidTask_everyTaskCompletesExactlyOnceWithTheRightResult(
      RabbitBroker.Broker broker) throws Exception {
    String pool = pool();
    List<JvmProcess> nodes = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      nodes.add(node(broker, pool, 1));
    }
    String d = dir.toString();
    int tasks = 40;
    ConcurrentHashMap<Integer, AtomicInteger> completions = new ConcurrentHashMap<>();
    try (ProcessPoolExecutor client = client(pool)) {
      List<CompletableFuture<List<Long>>> futures = new ArrayList<>();
      for (int i = 0; i < tasks; i++) {
        int n = i;
        futures.add(
            submitLogged(client, d, n)
                .whenComplete(
                    (v, e) ->
                        completions
                            .computeIfAbsent(n, k -> new AtomicInteger())
                            .incrementAndGet()));
      }
      await().atMost(WAIT).until(() -> doneCount(futures) >= 5);
      List<Integer> caught = new ArrayList<>();
      for (JvmProcess doomed : nodes.subList(0, 2)) {
        caught.add(holdNextTaskOn(doomed.pid()));
        doomed.kill();
        assertThat(doomed.join(WAIT)).isTrue();
        assertThat(doomed.exitCode()).hasValue(-9);
      }
      for (int i = 0; i < tasks; i++) {
        assertThat(futures.get(i).get(WAIT.toSeconds(), TimeUnit.SECONDS).get(0))
            .as("task %d's result", i)
            .isEqualTo((long) i * i);
      }
      for (int k = 0; k < 2; k++) {
        int n = caught.get(k);
        assertThat(nodesThatRan(n))
            .as("task %d, caught mid-task on the killed node %d, ran again elsewhere", n, k)
            .hasSizeGreaterThanOrEqualTo(2)
            .contains(nodes.get(k).pid())
            .containsAnyElementsOf(
                List.of(nodes.get(k + 1).pid(), nodes.get(2).pid())); // a node alive after it
        assertThat(futures.get(n).join().get(1))
            .as("task %d's result came from a node that outlived it", n)
            .isNotEqualTo(nodes.get(k).pid());
      }
      assertThat(runs()).as("runs, counting the re-runs").hasSizeGreaterThan(tasks);
      await().atMost(Duration.ofSeconds(10)).until(() -> completions.size() == tasks);
      assertThat(completions.values()).allMatch(c -> c.get() == 1);
    }
  }

  /**
   * A worker node stopped with a grace period while its process runs a task: it takes no more
   * tasks, finishes that one and the one it held in reserve, answers them, and its JVM exits 0;
   * nothing goes back to the broker, so every task ran once, and the other node does the rest.
   */
  @Test
  void nodeStoppedWithGraceMidTask_finishesItsTasksThereAndExitsZero(RabbitBroker.Broker broker)
      throws Exception {
    String pool = pool();
    String uri = broker.uri();
    String d = dir.toString();
    JvmProcess leaving =
        ctx.process(
                () -> {
                  long me = ProcessHandle.current().pid();
                  try (RabbitContext c = open(uri)) {
                    WorkerNode n = c.workerNode(pool, 1);
                    while (!Files.exists(Path.of(d, "stop-" + me))) {
                      Thread.sleep(10);
                    }
                    Files.writeString(Path.of(d, "stopping-" + me), "");
                    n.stop(Duration.ofSeconds(60));
                    Files.writeString(
                        Path.of(d, "completed-" + me), Long.toString(n.tasksCompleted()));
                  }
                })
            .setName("leaving-node")
            .start();
    JvmProcess staying = node(broker, pool, 1);
    int tasks = 20;
    try (ProcessPoolExecutor client = client(pool)) {
      List<CompletableFuture<List<Long>>> futures = new ArrayList<>();
      for (int i = 0; i < tasks; i++) {
        futures.add(submitLogged(client, d, i));
      }
      await().atMost(WAIT).until(() -> doneCount(futures) >= 3);
      long pid = leaving.pid();
      int caught = holdNextTaskOn(pid);
      Files.writeString(dir.resolve("stop-" + pid), "");
      await().atMost(WAIT).until(() -> Files.exists(dir.resolve("stopping-" + pid)));
      Thread.sleep(300); // let stop() begin while the task is still held
      assertThat(leaving.isAlive()).as("stop waits for the task in progress").isTrue();
      Files.delete(dir.resolve("hold-" + pid));
      assertThat(leaving.join(WAIT)).isTrue();
      assertThat(leaving.exitCode()).hasValue(0);

      List<List<Long>> results = new ArrayList<>();
      for (int i = 0; i < tasks; i++) {
        List<Long> r = futures.get(i).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(r.get(0)).as("task %d's result", i).isEqualTo((long) i * i);
        results.add(r);
      }
      assertThat(results.get(caught).get(1))
          .as("the task in progress at the stop finished on the stopping node")
          .isEqualTo(pid);
      long answeredThere = results.stream().filter(r -> r.get(1) == pid).count();
      assertThat(Long.parseLong(Files.readString(dir.resolve("completed-" + pid))))
          .as("the stopped node's count of tasks it answered")
          .isEqualTo(answeredThere);
      assertThat(results.stream().filter(r -> r.get(1) == staying.pid()).count())
          .as("the node that stayed did the rest")
          .isEqualTo(tasks - answeredThere);
      assertThat(runs()).as("no task was given back and run again").hasSize(tasks);
    }
  }

  /**
   * A submitter JVM SIGKILLed with tasks in the broker and in the node: the node runs on (the
   * results of the dead submitter's tasks have no one to go to), serves a new submitter, and its
   * count of completed tasks keeps growing.
   */
  @Test
  void submitterKilledWithTasksInFlight_nodeServesOnAndANewClient(RabbitBroker.Broker broker)
      throws Exception {
    String pool = pool();
    String uri = broker.uri();
    String d = dir.toString();
    try (WorkerNode node = ctx.workerNode(pool, 1)) {
      JvmProcess submitter =
          ctx.process(
                  () -> {
                    try (RabbitContext c = open(uri);
                        ProcessPoolExecutor p = c.poolBuilder().poolName(pool).workers(0).build()) {
                      List<CompletableFuture<List<Long>>> inFlight = new ArrayList<>();
                      for (int i = 0; i < 20; i++) {
                        inFlight.add(submitLogged(p, d, i));
                      }
                      // killed while it waits for its tasks
                      CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get();
                      Thread.sleep(Long.MAX_VALUE);
                    }
                  })
              .setName("submitter")
              .start();
      await().atMost(WAIT).until(() -> runs().size() >= 3);
      submitter.kill();
      assertThat(submitter.join(WAIT)).isTrue();
      assertThat(submitter.exitCode()).hasValue(-9);
      long atKill = node.tasksCompleted();
      assertThat(atKill).as("the node answered the first tasks").isGreaterThanOrEqualTo(2);

      try (ProcessPoolExecutor client = client(pool)) {
        assertThat(submitLogged(client, d, 100).get(WAIT.toSeconds(), TimeUnit.SECONDS))
            .as("a new submitter served, after the dead one's tasks left in the queue")
            .containsExactly(10_000L, ProcessHandle.current().pid());
      }
      assertThat(node.isStopped()).isFalse();
      assertThat(runsOn(ProcessHandle.current().pid()))
          .as("the dead submitter's 20 tasks ran, then the new one's")
          .hasSize(21)
          .endsWith(100);
      await().atMost(WAIT).until(() -> node.tasksCompleted() == 21);
      assertThat(node.tasksCompleted()).isGreaterThan(atKill);
    }
  }

  @Test
  void pool_onRabbitContext_isDistributedAndServesOtherClientsOfItsName() throws Exception {
    String pool = pool();
    try (ProcessPoolExecutor embedded = ctx.poolBuilder().poolName(pool).workers(1).build();
        ProcessPoolExecutor client = client(pool)) {
      long me = ProcessHandle.current().pid();
      assertThat(embedded.submit(() -> ProcessHandle.current().parent().orElseThrow().pid()).get())
          .isEqualTo(me);
      assertThat(client.submit(() -> 6 * 7).get(WAIT.toSeconds(), TimeUnit.SECONDS))
          .as("a submit-only client is served by the other pool's embedded node")
          .isEqualTo(42);
    }
    try (ProcessPoolExecutor byDefault = ctx.pool(1)) {
      assertThat(byDefault.toString()).contains("RabbitPool[default");
      assertThat(byDefault.submit(() -> "ok").get(WAIT.toSeconds(), TimeUnit.SECONDS))
          .isEqualTo("ok");
    }
  }

  /**
   * A callback attached with {@code whenComplete} runs in the thread that completes the future. If
   * that were the thread consuming the pool's results, a callback waiting for another result of the
   * same pool would block the only thread that could deliver it: this test would time out. It is
   * why the submitter completes futures off the client library's consumer thread.
   */
  @Test
  void callbackOfOneResult_waitsForAnotherResultOfTheSamePool_noDeadlock() throws Exception {
    try (ProcessPoolExecutor p = ctx.poolBuilder().poolName(pool()).workers(1).build()) {
      Thread me = Thread.currentThread();
      CompletableFuture<String> seen = new CompletableFuture<>();
      CompletableFuture<String> a =
          p.submit(
              () -> {
                Thread.sleep(500); // the callback below is attached before this result comes
                return "a";
              });
      CompletableFuture<String> b =
          p.submit(
              () -> {
                Thread.sleep(300); // after a's (one worker): a's callback waits for it
                return "b";
              });
      CompletableFuture<String> dependent =
          a.whenComplete(
              (v, e) -> {
                try {
                  if (Thread.currentThread() == me) {
                    throw new IllegalStateException("a completed before its callback was attached");
                  }
                  seen.complete(v + b.get(60, TimeUnit.SECONDS));
                } catch (InterruptedException x) {
                  Thread.currentThread().interrupt();
                  seen.completeExceptionally(x);
                } catch (ExecutionException | TimeoutException | RuntimeException x) {
                  seen.completeExceptionally(x);
                }
              });
      assertThat(seen.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("ab");
      assertThat(dependent.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("a");
    }
  }

  /**
   * Two results no thread waits for, whose callbacks each wait for the other's (on latches, so no
   * hand-off to a thread blocked in {@code get()} can help): whichever result is completed first,
   * its callback blocks until the other result's callback has run, so the other result must be
   * completed by another thread even when both arrived together and sat in the same queue of
   * results. A single thread completing the pool's results one after another would block for good
   * in the first callback: this test would time out.
   */
  @Test
  void callbacksOfTwoResults_eachWaitForTheOther_noDeadlock() throws Exception {
    try (ProcessPoolExecutor p = ctx.poolBuilder().poolName(pool()).workers(2).build()) {
      Thread me = Thread.currentThread();
      CountDownLatch aRan = new CountDownLatch(1);
      CountDownLatch bRan = new CountDownLatch(1);
      CompletableFuture<String> a =
          p.submit(
              () -> {
                Thread.sleep(500); // both callbacks are attached before the results come
                return "a";
              });
      CompletableFuture<String> b =
          p.submit(
              () -> {
                Thread.sleep(500); // on the second worker: both results come back together
                return "b";
              });
      CompletableFuture<String> afterA = a.thenApply(v -> meet(me, v, aRan, bRan));
      CompletableFuture<String> afterB = b.thenApply(v -> meet(me, v, bRan, aRan));
      assertThat(afterA.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("a");
      assertThat(afterB.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("b");
    }
  }

  /** Counts {@code mine} down, then waits for {@code theirs}; fails if it never opens. */
  private static String meet(Thread test, String v, CountDownLatch mine, CountDownLatch theirs) {
    if (Thread.currentThread() == test) {
      throw new IllegalStateException("completed before its callback was attached");
    }
    mine.countDown();
    try {
      if (!theirs.await(WAIT.toSeconds(), TimeUnit.SECONDS)) {
        throw new IllegalStateException("the other result's callback never ran");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    return v;
  }

  @Test
  void shutdown_pendingTasksFinishThenTerminates_andRejectsNewOnes(RabbitBroker.Broker broker)
      throws Exception {
    String pool = pool();
    ProcessPoolExecutor p = ctx.poolBuilder().poolName(pool).workers(1).build();
    CompletableFuture<String> f =
        p.submit(
            () -> {
              Thread.sleep(300);
              return "done";
            });
    p.shutdown();
    assertThat(p.isShutdown()).isTrue();
    assertThatThrownBy(() -> p.submit(() -> 1))
        .isInstanceOf(java.util.concurrent.RejectedExecutionException.class);
    assertThat(p.awaitTermination(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(f.get()).isEqualTo("done");
    assertThat(p.isTerminated()).isTrue();

    ProcessPoolExecutor q = ctx.poolBuilder().poolName(pool).workers(0).build();
    CompletableFuture<String> never = q.submit(() -> "no node serves this pool now");
    assertThat(q.shutdownNow()).hasSize(1);
    assertThat(never).isCancelled();
    assertThat(q.awaitTermination(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThatThrownBy(never::join).isInstanceOf(CancellationException.class);
  }

  @Test
  void badInput_throwsAtTheCall() {
    assertThatThrownBy(() -> ctx.pool(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("workers(0)");
    assertThatThrownBy(() -> ctx.workerNode("p", 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 1 process");
    assertThatThrownBy(() -> ctx.workerNode("no spaces", 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("pool name");
    try (ProcessPoolExecutor client = client(pool())) {
      Object notSerializable = new Object();
      assertThatThrownBy(() -> client.submit(() -> notSerializable.hashCode()))
          .isInstanceOf(org.multiprocessing4j.UnserializableValueException.class);
    }
  }
}
