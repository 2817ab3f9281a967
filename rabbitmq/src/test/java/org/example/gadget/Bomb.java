package org.example.gadget;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serial;
import java.io.Serializable;

/** Stands for a deserialization gadget: reading one back "executes" it (sets a flag). */
public final class Bomb implements Serializable {
  @Serial private static final long serialVersionUID = 1L;

  /** Set when any Bomb is deserialized in this JVM. */
  public static volatile boolean detonated;

  @Serial
  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    detonated = true;
  }
}
