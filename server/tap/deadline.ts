/** A bound on a step that must not wait forever: the result of `work`, or, after `ms`, the error of `onExpire`
 *  (which should also stop the work, e.g. abort its signal). A result that arrives after the deadline is handed to
 *  `discard` (to close what it holds). Pure. */
export async function withDeadline<T>(work: Promise<T>, ms: number, onExpire: () => Error, discard?: (late: T) => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let expired = false;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      expired = true;
      reject(onExpire());
    }, ms);
  });
  work.then(
    (late) => {
      if (expired) discard?.(late);
    },
    () => undefined,
  );
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
