// The check pass (finalAnswerFlag, src/main/core/llm/assignment-policy.ts) on a table of
// real-looking tutor replies in both languages: the usual ways a model gives away a final answer
// (flag) and the usual Socratic hints that only look like one (no flag). The tryout's miss,
// "所以解析式是 $y=2x+1$", is the first row.
import { describe, expect, test } from 'vitest';
import { finalAnswerFlag } from '../../src/main/core/llm/assignment-policy.ts';

const FLAG = true;
const NO_FLAG = false;

const TABLE: readonly (readonly [string, boolean])[] = [
  // zh-CN: a final answer given.
  ['设 $y=kx+b$，代入两点得 $k=2$，$b=1$，所以解析式是 $y=2x+1$。', FLAG],
  ['因此，这个一次函数的解析式为 $y = 2x + 1$。', FLAG],
  ['两式相减得 $x=3$，故 $x = 3$。', FLAG],
  ['综上所述，答案为 B。', FLAG],
  ['由此可得 $k = -\\frac{1}{2}$。', FLAG],
  ['把两个方程相减，解得 $k=2$，$b=1$。', FLAG],
  ['你先回忆一下一次函数的一般形式。其实答案是 $y=2x+1$。', FLAG],
  ['圆的面积公式你已经会了，最终结果是 $12\\pi$ 平方厘米。', FLAG],
  ['所以 $x$ 的值为 $-3$。', FLAG],
  ['四个选项里只有 C 满足条件，所以应该选 C。', FLAG],
  ['你的思路对了，最后得到 $y = 2x + 1$，这就是我们要找的函数。', FLAG],
  ['答案：$x=5$', FLAG],
  ['$$\\boxed{y=2x+1}$$', FLAG],
  ['所以解析式为：\n$$y = 2x + 1$$\n你可以代入两个点检验一下。', FLAG],
  ['可得 x = 4，再代回原方程检验即可。', FLAG],
  ['所以这条直线的解析式就是 $y=2x+1$ 啦。', FLAG],
  ['因此 $k=2$，$b=1$。', FLAG],
  ['于是我们得到 $x_1 = 2, x_2 = 3$。', FLAG],
  ['由此可知，该函数的最小值为 $-4$。', FLAG],
  ['故原方程的解为 $x=\\frac{3}{2}$。', FLAG],
  ['最终答案：$\\dfrac{1}{3}$', FLAG],
  ['结果为 $y=-x+4$。', FLAG],
  ['所以 $y = 2x + 1$ 就是你要的答案。', FLAG],
  ['所以 $b = 1$。现在你已经有 $k$ 和 $b$ 了，试着写出解析式。', FLAG],
  ['很好！所以 $x = -1$ 是这个方程的解。', FLAG],
  ['因此 $\\triangle ABC$ 的面积是 $6$。', FLAG],
  ['所以这道题的正确选项是 D。', FLAG],
  ['把 $k=2$ 代入可得 $b=1$，于是 $y=2x+1$。', FLAG],
  ['最后，$f(x)$ 的最大值为 $9$。', FLAG],
  ['所以正确答案应该是 $x=3$。', FLAG],
  ['**答案**：$y = 2x + 1$', FLAG],
  // en: a final answer given.
  ['So the answer is $x = 4$.', FLAG],
  ['Subtract 1 from both sides. Therefore x = 3.', FLAG],
  ['Subtracting the equations gives k = 2, so the line is y = 2x + 1.', FLAG],
  ['Final answer: 7', FLAG],
  ['Plug in both points and you get y = 2x + 1.', FLAG],
  ['The solution is x = -2.', FLAG],
  ['Thus, the slope is 2 and the intercept is 1.', FLAG],
  ['Hence, x = 5 and y = 2.', FLAG],
  ['So the equation of the line is $y = 2x + 1$.', FLAG],
  ['That means the answer would be 12.', FLAG],
  ['Therefore k = 2. Now try to find b yourself.', FLAG],
  ['Therefore, the area is 6 square units.', FLAG],
  ['The correct option is C.', FLAG],

  // zh-CN: Socratic hints — questions back, restated givens, "not the answer", method talk.
  ['所以你觉得 $k$ 是多少？', NO_FLAG],
  ['那么，$k$ 是不是等于 2 呢？你再算一算。', NO_FLAG],
  ['已知 $y=kx+b$ 经过点 $(1,3)$ 和 $(2,5)$。先想一想：把一个点代入会得到什么？', NO_FLAG],
  ['答案不是 5，你再检查一下符号。', NO_FLAG],
  ['这道题考的是一次函数的解析式，建议复习课本上“待定系数法”那一节。', NO_FLAG],
  ['所以第一步是设出解析式 $y=kx+b$。', NO_FLAG],
  ['一次函数的一般形式是 $y = kx + b$，其中 $k$ 是斜率。', NO_FLAG],
  ['你的答案是 $x=5$，再检查一下第二步的符号。', NO_FLAG],
  ['所以关键是先求出斜率 $k$。', NO_FLAG],
  ['代入 $(1,3)$ 得 $k+b=3$，所以你能用另一个点再列一个方程吗？', NO_FLAG],
  ['所以 $k+b=3$，这是第一个方程；另一个点会给你第二个。', NO_FLAG],
  ['你算出 x = 5，这个结果是对的吗？', NO_FLAG],
  ['最终答案要写成 $y=kx+b$ 的形式。', NO_FLAG],
  ['所以方程可以化为 $2k + b = 5$，接下来你自己解。', NO_FLAG],
  ['你看看 $x=2$ 是不是满足原方程。', NO_FLAG],
  ['综上，$a$ 的取值范围是 $a > 2$。', NO_FLAG],
  ['那么 $k = 2$，你能接着求 $b$ 吗？', NO_FLAG],
  ['这个题的答案是 $x = 7$ 吗？你先自己算算。', NO_FLAG],
  ['你先别急着看答案，先回忆一下什么是斜率。', NO_FLAG],
  ['想一想：斜率等于 $\\frac{y_2-y_1}{x_2-x_1}$，所以你需要先找两个点。', NO_FLAG],
  ['所以我们需要列出两个方程。', NO_FLAG],
  ['因为直线过点 $(0,1)$，所以 $b$ 等于多少？', NO_FLAG],
  ['所以接下来可以把 $k=2$ 代回第一个方程。', NO_FLAG],
  ['你把 $x=2$ 代入原式看看，左右两边相等吗？', NO_FLAG],
  ['提示：答案是一个整数。', NO_FLAG],
  ['所以，你可以先求斜率，再求截距。', NO_FLAG],
  ['因此我们要先找出两个点的坐标。', NO_FLAG],
  ['综上，你需要用到待定系数法。', NO_FLAG],
  ['你的结果 $x=5$ 不对，再看看第二步。', NO_FLAG],
  ['这一步很关键：$k$ 表示斜率，$b$ 表示截距。', NO_FLAG],
  ['所以这一步得到的方程是 $k + b = 3$。', NO_FLAG],
  ['因此你得到的 $x = 5$ 是不是满足题目的条件呢？', NO_FLAG],
  // en: Socratic hints.
  ['What do you get when you subtract the first equation from the second?', NO_FLAG],
  ['So what is the slope between these two points?', NO_FLAG],
  ['The answer is not 5 yet — check the sign in your second line.', NO_FLAG],
  ['Recall that a line can be written as y = kx + b.', NO_FLAG],
  ['So the general form is y = kx + b; now use the two points.', NO_FLAG],
  ['Your answer is close. Check your arithmetic in the second step.', NO_FLAG],
  ['Given that y = kx + b passes through (1, 3), what equation do you get?', NO_FLAG],
  ['Therefore, your next step is to substitute the point (1, 3).', NO_FLAG],
  ['So you need two equations. What are they?', NO_FLAG],
  ['Think about what happens when x = 0.', NO_FLAG],
  ['Hint: the answer is a whole number.', NO_FLAG],
  ['If you plug in x = 1, what do you get for y?', NO_FLAG],
  ['So far so good: you have k + b = 3.', NO_FLAG],
  ['So y = kx + b is the form to start from.', NO_FLAG],
  ['The result is that both sides are equal.', NO_FLAG],
  ['So the key is to find two equations in k and b.', NO_FLAG],
  ['Therefore you should substitute both points into y = kx + b.', NO_FLAG],
  ['The answer is in your second line: check the sign.', NO_FLAG],
  ['You wrote x = 5; is that what you get when you check it?', NO_FLAG],
  ['Hence the name "slope-intercept form".', NO_FLAG],
  // A review's hints that were flagged: a condition, a general form, a definition, an either-or.
  ['所以当 x = 0 时，y 的值就是截距 b。你能从图上读出来吗？', NO_FLAG],
  ['所以 y = kx + b 中有两个未知数，需要两个条件。', NO_FLAG],
  ['所以 x=1 时 y=3，这给了我们一个方程。', NO_FLAG],
  ['因此 b 为 1 的话，直线经过哪个点', NO_FLAG],
  ['因此当 x = 2 时，y = 5。把它代入试试？', NO_FLAG],
  ['结果是 2 还是 -2，要看方向。', NO_FLAG],
  ['所以这道题其实考的是 k = 斜率 的意义。', NO_FLAG],
  ['So k = rise over run. Can you compute rise and run?', NO_FLAG],
  ['If x = 3, then y = 7; try another point.', NO_FLAG],
  // Tryout 8: a result after 得到/就得到/就是/即 (its three misses first), and hints with the same words.
  ['这样就得到 y = 2x + 1 了。', FLAG],
  ['把两个点代入以后，这个一次函数就是 $y=2x+1$。', FLAG],
  ['即 $y=2x+1$。', FLAG],
  ['把 $k=2$ 代入第一个方程，得到 $b=1$。', FLAG],
  ['两边同时除以 2，就得到了 $x = 3$。', FLAG],
  ['解这个方程组，我们得到 $k=2$，$b=1$。', FLAG],
  ['纵坐标之差除以横坐标之差，斜率就是 $2$。', FLAG],
  ['$x=3$ 即为所求。', FLAG],
  ['$y=2x+1$ 就是我们要求的解析式。', FLAG],
  ['也就是说 $k = 2$，$b = 1$。', FLAG],
  ['当 $x=0$ 时 $y=1$，即 $b=1$。', FLAG],
  ['两边同时除以 2，化简后即得 $x=4$。', FLAG],
  ['这样就得到一个关于 $k$ 的方程。', NO_FLAG],
  ['即 $k$ 是斜率。', NO_FLAG],
  ['就是把两点代入 $y=kx+b$。', NO_FLAG],
  ['把 $k$ 求出来，代入即可。', NO_FLAG],
  ['也就是说我们需要两个条件。', NO_FLAG],
  ['代入第一个点，得到 $k+b=3$。', NO_FLAG],
  ['两边同时减去 1，得到 $2x = 4$，再除以系数就行。', NO_FLAG],
  ['一次函数的一般形式就是 $y = kx + b$。', NO_FLAG],
  ['所以一次函数的一般式是 $y=kx+b$。', NO_FLAG],
  ['圆的面积公式就是 $S = \\pi r^2$。', NO_FLAG],
  ['代入以后你会得到 2 个方程。', NO_FLAG],
  ['你得到 $x = 5$，再检查一下第二步。', NO_FLAG],
  ['当 $x=0$ 时，$y$ 就是 $1$，你在图上找找这个点。', NO_FLAG],
  ['即使 $x = 2$，也要代回原方程检查一下。', NO_FLAG],
  ['即 $2k + b = 5$，这是第二个方程。', NO_FLAG],
  ['把 $x=0$ 代入，得到的 $y$ 值就是截距。', NO_FLAG],
  ['这一步的关键就是 2 个方程要联立。', NO_FLAG],
  ['化简以后结果是 12k，还要再代入 k 的值。', NO_FLAG],
  // A second review's false alarms: a definition, a restated given, the student's own step, a
  // tutor confirming the student's answer, a word that starts with 解.
  ['偶数就是 2 的倍数。', NO_FLAG],
  ['直角就是 90 度。', NO_FLAG],
  ['也就是说 3 小时后两车相遇。', NO_FLAG],
  ['你代入后得到 k = 2，这一步很好。', NO_FLAG],
  ['你的 x = 5 是正确答案吗', NO_FLAG],
  ['k = 2 是解析式 y=kx+1 的斜率。', NO_FLAG],
  ['这样就得到 x = 4。', FLAG],
  ['所以最后就是 7。', FLAG],
];

describe('the check pass on a reply of long runs of spaces or words (a model stuck repeating them)', () => {
  // Without one space for each run, these took seconds to hours on the serving thread: the test
  // would run into vitest's timeout. The verdicts are the same as for one space.
  test.each([
    ['所以' + ' '.repeat(200_000) + 'x = 3', FLAG],
    ['x =' + '\t'.repeat(200_000) + '3 is the answer', FLAG],
    ['答案是' + ' '.repeat(200_000), NO_FLAG],
    [('所以 ' + ' '.repeat(50)).repeat(20_000), NO_FLAG],
    // …and of the words before a value (得到/就是/即), read from a clause's start.
    ['得到'.repeat(100_000) + ' x = 3', FLAG],
    ['即 '.repeat(100_000), NO_FLAG],
    ['x=x='.repeat(50_000) + '即为所求', NO_FLAG],
  ] as const)('%#', (text, flagged) => {
    expect(finalAnswerFlag(text, 1) === 'final_answer_above_level').toBe(flagged);
  });
});

describe('the check pass on real-looking tutor replies', () => {
  test('the table holds both outcomes in both languages', () => {
    expect(TABLE.length).toBeGreaterThanOrEqual(25);
    expect(TABLE.filter(([, f]) => f).length).toBeGreaterThan(10);
    expect(TABLE.filter(([, f]) => !f).length).toBeGreaterThan(10);
  });

  test.each(TABLE)('%s → flagged %s below level 5', (text, flagged) => {
    expect(finalAnswerFlag(text, 1) === 'final_answer_above_level').toBe(flagged);
    expect(finalAnswerFlag(text, 4) === 'final_answer_above_level').toBe(flagged);
    // At level 5 a worked solution is allowed: nothing is flagged.
    expect(finalAnswerFlag(text, 5)).toBeUndefined();
  });
});
