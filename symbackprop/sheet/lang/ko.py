"""한국어 (Korean): every phrase of a sheet's prose, with the same keys and fields as English."""

PHRASES: dict[str, str] = {
    # Korean counts as "노드 2개": the noun, then the number with the counter 개.
    "n.node": "노드|노드", "n.input": "입력|입력", "n.target": "목표값|목표값",
    "n.parameter": "매개변수|매개변수", "n.weight": "가중치|가중치", "n.bias": "편향|편향",
    "n.path": "경로|경로", "n.leaf": "잎 노드|잎 노드", "n.signal": "나머지 오차 신호|나머지 오차 신호",
    "and": ", ", "loss": "손실", "output": "출력", "mean": "평균", "sum": "합",
    "sec.graph": "계산 그래프",
    "graph.about": "계산 그래프: {nodes}, {leaves}. 출력은 {out}입니다.",
    "graph.no_leaves": "잎 노드 없음", "graph.leaves_end": "에 대해 미분합니다.",
    "graph.leaves_only": " 이 시트는 {out:을} 각 잎 노드 ",
    "sec.network": "신경망",
    "net.about": "이 신경망은 {describe}입니다 ({params}).",
    "net.head.layer": "층", "net.head.neurons": "뉴런 수", "net.head.activation": "활성화 함수",
    "net.head.parameters": "매개변수",
    "net.input": "0 (입력)", "net.inputs": " 입력", "net.none": "없음",
    "net.hidden": "{l} (은닉)", "net.output": "{l} (출력)",
    "net.loss": "손실 함수: {loss} ({name}).",
    "net.notation": "기호: {w:은} {lm1}층의 뉴런 {i}에서 {l}층의 뉴런 {j:으로} 가는 가중치, {z:은} 가중 입력, "
                    "{a:은} 활성값({a0}), {delta:은} 오차 신호입니다.",
    "sec.forward": "순전파",
    "fwd.each_layer": "각 층의 모든 뉴런 {j}에 대해:",
    "fwd.every_node_numbers": "모든 노드와 주어진 값에서의 계산 결과:",
    "fwd.every_node": "모든 노드:",
    "fwd.not_listed": "노드 {n}개의 정의는 생략합니다 ({limit}개 초과).",
    "sec.loss": "손실", "sec.output": "출력",
    "sec.deltas": "{delta} 재귀식",
    "delta.intro": "노드의 오차 신호는 그 노드에 대한 {word}의 미분입니다. 각 오차 신호는 뒤쪽의 오차 신호로부터 "
                   "한 번만 계산되고, 그 앞의 모든 {who:이} 함께 씁니다:",
    "delta.who.leaf": "잎 노드", "delta.who.parameter": "매개변수",
    "delta.layers": "출력층(뉴런 1만 표시, 나머지도 같음), 그다음 각 은닉층을 바로 뒤 층으로부터 계산하고, "
                    "가중치와 편향의 기울기를 구합니다:",
    "delta.with": "여기서 ",
    "delta.iverson": "이고, {bracket:은} {kj}일 때 1, 아니면 0",
    "delta.every_network": "이 신경망의 모든 오차 신호 (출력층부터):",
    "delta.every_graph": "모든 오차 신호 (출력에서 거꾸로):",
    "delta.broken": "목표값이 이 가정을 깨므로, 연쇄 법칙 전체를 씁니다:",
    "delta.using": "(가정: ",
    "sec.gradients": "기울기",
    "grad.which.worked": "각 층마다 매개변수 하나씩, 출력층부터",
    "grad.which.leaf": "각 잎 노드마다", "grad.which.parameter": "각 매개변수마다",
    "grad.intro": "{which}: 경로별 곱의 합으로 쓴 연쇄 법칙, 각 인수의 계산, {delta} 형태, 전개식{numbers}, "
                  "그리고 검증 방법.",
    "grad.intro.numbers": ", 수치 계산",
    "par.weight": "{name:은} {src}에서 {l}층의 뉴런 {j:으로} 가는 가중치입니다.",
    "par.from_input": "입력 {i}", "par.from_neuron": "{l}층의 뉴런 {i}",
    "par.bias": "{name:은} {l}층 뉴런 {j}의 편향입니다.",
    "par.reaches": " 손실까지 가는 경로: {ways}.",
    "par.reaches_leaf": "{name}에서 {word}까지 가는 경로: {ways}.",
    "par.chain": "연쇄 법칙 — 경로마다 편미분의 곱 하나:",
    "par.factors": "각 인수를 계산하면:",
    "par.so": "따라서:",
    "par.many_paths": "{name}에서 {word}까지 {n}개의 경로가 있어 모두 적기에는 너무 많습니다 ({limit}개 초과). "
                      "각 경로는 다음과 같은 곱입니다:",
    "par.direct": "{out:이} {name:을} 직접 읽으므로, 연쇄 법칙의 인수는 하나뿐입니다:",
    "par.with_deltas": "오차 신호 {delta:을} 쓰면, 이 합들은 모든 {who}에 대해 한 번만 계산됩니다:",
    "par.more_deltas": "{signals}도 위의 재귀식을 따릅니다 (너무 많거나 길어서 생략).",
    "par.no_expand": "전개식은 요청되지 않았습니다.",
    "par.too_big": "{leaves}만으로 전개하면 항이 {size}개로, 시트의 한도 {limit}개를 넘습니다. "
                   "위의 {delta} 형태가 중간값을 기호로 둔 같은 도함수입니다.",
    "par.about": "약 {n}", "par.over": "{n} 이상",
    "par.too_wide": "전개식(약 {size}개 항)은 한 페이지에 들어가지 않습니다. 함수 호출 하나가 한 줄보다 깁니다. "
                    "위의 {delta} 형태가 중간값을 기호로 둔 같은 도함수입니다.",
    "par.expanded": "{leaves}만으로 전개하면:",
    "par.expanded.folded": "{leaves}만으로 전개한 식 ({rows}줄)",
    "par.expanded.pointer": "{leaves}만으로 전개한 식은 {rows}줄이라 이 시트에서는 생략했습니다. "
                            "전체 시트({command})에 실려 있습니다.",
    "par.numbers": "수치를 넣으면:",
    "par.path": "경로 {k}",
    "par.path_overflow": "이 수치에서는 경로의 한 인수가 float64 범위를 넘습니다(예측값이 정확히 0이나 1로 반올림되어 "
                         "{factor:이} 넘칩니다). 아래 {delta} 형태는 같은 도함수를 안정된 형태로 계산합니다.",
    "par.step": "학습률 {eta:으로} 경사 하강법 한 단계:",
    "stamp.two_ways": "두 가지로 확인했습니다: {first}; 그리고 {name:을} 백만분의 일만큼 위아래로 움직이면 {out:이} "
                      "{rate}의 비율로 변하며, {verdict}.",
    "stamp.one_way": "확인했습니다: {first}.",
    "stamp.symbolic": "위의 식은 SymPy가 {out} 전체를 {name}에 대해 한 번에 미분한 결과와 정확히 같습니다",
    "stamp.point": "위의 식은 {out} 전체를 직접 미분한 값과 무작위 점들에서 정확히 계산해 같습니다",
    "stamp.agrees": "기울기가 말하는 값과 같습니다", "stamp.disagrees": "기울기가 말하는 값과 다릅니다(불일치)",
    "stamp.refuted": "위의 식은 {out} 전체를 직접 미분한 결과와 일치하지 않습니다.",
    "stamp.too_big": "이 시트에서는 검증하지 않았습니다: 그래프의 노드가 {n}개입니다 (증명은 {limit}개까지). "
                     "Python에서 symbackprop.prove(graph, {name})를 쓰세요.",
    "stamp.proved": "증명됨 ({route}): {detail}.", "stamp.refuted_detail": "반증됨 ({route}): {detail}.",
    "stamp.route.symbolic": "기호 계산", "stamp.route.point": "정확한 점 평가",
    "stamp.fd": "유한 차분 (중심, float64, 간격 {step}): {fd}, 상대 오차 {err} "
                "(허용 범위 {within}: 상대 {rtol} 또는 절대 {atol}).",
    "stamp.within": "안", "stamp.outside": "밖(초과)",
    "mark.ok": "검증됨.", "mark.bad": "검증 실패.", "mark.none": "확인 안 함.",
    "stamp.more": "자세히",
    "sec.summary": "모든 기울기 한눈에 보기",
    "sum.intro.step": "모든 기울기와 그 값, 그리고 {eta:으로} 경사 하강법 한 단계 {rule:을} 적용한 뒤의 매개변수:",
    "sum.intro.values": "모든 기울기와 그 값:", "sum.intro": "모든 기울기:",
    "sum.value": "값", "sum.after": "한 단계 후",
    "sum.left_out": "{total}개 행 중 {n}개는 생략했습니다. 모두 같은 층의 행과 같은 꼴입니다.",
    "sum.falls": "모든 매개변수를 갱신해 다시 계산하면 {word:은} {before}에서 {after:으로} 줄어듭니다.",
    "sum.not_falls": "모든 매개변수를 갱신해 다시 계산하면 {word:은} {before}에서 {after:으로}, 줄지 않습니다.",
    "sum.falls_both": "모든 매개변수를 갱신해 다시 계산하면 {word:은} {before}에서 {after:으로} 줄어듭니다. 편향은 "
                      "그대로 두고 가중치만 갱신하면 {only}입니다{published}.",
    "sum.not_falls_both": "모든 매개변수를 갱신해 다시 계산하면 {word:은} {before}에서 {after:으로}, 줄지 않습니다. "
                          "편향은 그대로 두고 가중치만 갱신하면 {only}입니다{published}.",
    "sum.published": " ({source}에는 {published:으로} 실려 있습니다)",
    "sec.vector": "벡터 형태",
    "vec.intro": "같은 유도를 층 전체에 대해 쓴 것으로, 교과서의 마무리입니다: 굵은 글자는 열벡터, {W}는 가중치 "
                 "행렬(행 j, 열 i), {odot:은} 원소별 곱입니다. 모든 성분이 위의 스칼라 유도와 같습니다.",
    "vec.batch": "m개 표본의 배치 (표본마다 한 열: {X}, {Y}), 표본별 손실의 {reduce}:",
    "vec.code": "배치의 역전파를 {command:이} 쓰는 {language} 코드로, 각 줄이 계산하는 식 옆에 "
                "적었습니다. 코드는 표본을 행에 두므로 {dZ:은} {Delta}의 전치(평균이면 {m:으로} 나눈 것)이고, {dW}와 {db:은} "
                "기울기 그 자체입니다:",
    "sec.cost": "비용: 왜 역전파인가",
    "cost.intro": "이 신경망의 매개변수 {params}개 전체의 기울기에는 연쇄 법칙 경로가 {paths}개 필요합니다. "
                  "경로마다 따로 쓰면 곱을 각각 계산하지만, 역전파는 오차 신호를 한 번만 계산해 그것을 쓰는 모든 "
                  "가중치가 함께 씁니다. 국소 편미분은 이미 아는 수로, 1인 편미분은 공짜로, k개 수의 곱은 k - 1번의 "
                  "곱셈으로 세면:",
    "cost.route": "방법", "cost.mults": "곱셈 횟수",
    "cost.separate": "매개변수마다 따로, 경로의 곱을 각각",
    "cost.backprop": "역전파, 각 {delta:을} 한 번 계산해 공유",
    "cost.ratio": "여기서 역전파는 곱셈이 {ratio}배 적습니다. 경로 수는 층마다 곱해지지만 연결 수는 더해질 뿐이라, "
                  "층이 늘수록 차이가 커집니다.",
    "sec.omitted": "생략한 것",
    "omit.params": "매개변수 {total}개 중 {n}개는 따로 절이 없습니다 (params= 또는 --params로 고르세요). "
                   "모두 위의 δ 재귀식을 따릅니다.",
    "omit.leaves": "잎 노드 {total}개 중 {n}개는 따로 절이 없습니다 (params= 또는 --params로 고르세요). "
                   "모두 위의 δ 재귀식을 따릅니다.",
    "omit.first_sample": "수치는 {n}개 표본 중 첫 번째의 것입니다.",
    "omit.step": "경사 하강법 단계는 생략했습니다: {n}개 표본 전체에 대한 손실의 기울기를 씁니다 "
                 "(symbackprop grad가 출력합니다).",
    "omit.small": "노드와 오차 신호의 정의는 노드 {limit}개까지만 나열합니다 (이 그래프는 {n}개).",
    "pic.paths": "강조된 매개변수에서 손실까지의 모든 경로.",
    "pic.network": "신경망: 왼쪽이 입력, 오른쪽이 출력.",
    "pic.elided": " 큰 층은 일부만 그렸습니다.",
    "pic.values": " 연결선마다 가중치를, 편향 단위에서 나가는 선에는 편향을 적었습니다.",
    "pic.circuit": "각 게이트에는 연산이, 각 선 위에는 순전파 값(초록), 아래에는 거꾸로 흐르는 출력의 기울기(빨강)가 있습니다.",
    "pic.head.input": "입력", "pic.head.output": "출력", "pic.head.layer": "{l}층",
    "pic.elsewhere": " (그림은 HTML과 LaTeX 시트에 있습니다.)",
    "pic.elsewhere_circuit": " (회로 그림은 HTML과 LaTeX 시트에 있습니다.)",
    "contents": "차례:",

    # 배열 프로그램
    "n.line": "줄|줄", "n.float_array": "실수 배열|실수 배열",
    "n.int_array": "정수 배열|정수 배열", "n.constant": "상수|상수",
    "prog.sec.program": "프로그램", "prog.sec.forward": "순전파",
    "prog.sec.backward": "역전파, 출력부터", "prog.sec.numbers": "수치 예",
    "prog.sec.check": "검증",
    "prog.about": "순전파는 코드를 실행하지 않고 읽었습니다: {lines:이} {floats}(수 {numbers}개, 모두 기울기를 받음), "
                  "{ints}, {consts:을} 읽습니다. 손실은 {loss}입니다.",
    "prog.kind.data": "실수 배열 (기울기 없음)",
    "prog.kind.float": "실수 배열 (기울기를 받음)", "prog.kind.int": "[0, {bound}) 범위의 정수",
    "prog.kind.const": "상수 {value}",
    "prog.head.name": "이름", "prog.head.kind": "종류", "prog.head.shape": "모양", "prog.head.line": "줄",
    "prog.head.code": "코드", "prog.head.math": "행렬 미적분", "prog.head.value": "값",
    "prog.head.gradient": "기울기", "prog.head.norm": "‖기울기‖",
    "prog.forward.intro": "쓴 그대로의 각 줄, 행렬 미적분 표기, 그리고 결과의 모양:",
    "prog.backward.intro": "손실에서 거꾸로, 순전파의 한 줄씩 누적합니다: 각 줄은 결과의 기울기를 읽은 모든 입력에 "
                           "넘겨 주며, 역전파 줄은 모두 {n}개입니다. 여러 줄이 읽는 이름은 줄마다 항을 하나씩 "
                           "더합니다 (+=).",
    "prog.backward.legend": "{bar:은} X에 대한 손실의 기울기로 X와 모양이 같습니다. {odot:은} 원소별 곱(NumPy처럼 "
                            "브로드캐스트), 기호 없는 곱은 행렬 곱, {ones:은} 1로 된 벡터입니다.",
    "prog.line": "{n}번째 줄:",
    "prog.note.sum": "축 방향의 {op}({axes})은 기울기에서는 같은 축({axes})으로의 브로드캐스트가 됩니다.",
    "prog.note.broadcast": "여기서 {name:은} {axes:을} 따라 브로드캐스트되므로, 그 기울기는 {axes:을} 따라 더합니다.",
    "prog.note.gather": "이 줄은 {name}의 원소를 골라 옵니다: 기울기는 {name} 모양의 0 배열에 되돌려 흩어 놓고, "
                        "여러 번 골린 원소는 더합니다.",
    "prog.op.sum": "합", "prog.op.mean": "평균",
    "prog.axes.all": "모든 축", "prog.axes.one": "축 {k}", "prog.axes.many": "축 {ks}",
    "prog.paths": "{name:은} {lines:을} 거쳐 경로 {n}개로 손실에 닿습니다: 기울기는 경로마다 한 항씩의 합입니다.",
    "prog.numbers.intro": "{source}에서: {loss}. 각 배열과 그 기울기의 처음 몇 원소:",
    "prog.values.spec": "명세의 값", "prog.values.seed": "시드 {seed:으로} 뽑은 수",
    "prog.check.line": "유도한 기울기가 {leaves}의 원소 {entries}개 모두에서 중앙 차분과 일치합니다.",
    "prog.check.detail": "원소마다 간격 {eps}·max(1, |θ|); |수치 − 유도| ≤ {atol} + {rtol}·|수치|이면 통과; "
                         "가장 큰 차이 {worst}.",
    "prog.check.ok": "검증됨.", "prog.check.bad": "유도한 기울기가 유한 차분과 다릅니다.",
    "prog.check.more": "검증 방법",
    "prog.sec.fused": "합친 공식",
    "prog.fused.intro": "순전파의 어떤 구간은 하나의 덩어리여서, 그 역전파 줄들이 공식 하나로 합쳐집니다. 코드가 풀어 "
                        "쓴 연산(평균, 분산, 소프트맥스, 교차 엔트로피)에 이름을 붙이고 그것을 미분해 찾으며, 대신하는 "
                        "줄들과 같음을 증명합니다. {command:으로} 어느 구간이든 합칠 수 있습니다.",
    "prog.fused.lines": "{rule} 구간 {span:은} 순전파의 {n:과} 역전파의 {m:을} 대신해, {end}에서 {start:을} 공식 하나로 줍니다:",
    "prog.fused.vanish": "그 과정에서 {names:은} 항등적으로 0입니다: 그것을 거쳐 흐르는 것은 기울기를 바꾸지 않습니다.",
    "prog.fused.proof": "합치지 않은 역전파 줄들과 같음을 작은 모양에서 기울기의 원소 {entries}개 모두 기호로 증명했습니다.",
    "prog.fused.proof.detail": "{shapes}에서 모든 배열의 모든 원소를 SymPy 기호로 두었고, 차이는 0으로 정리됩니다.",
    "prog.fused.disproof": "작은 모양({shapes})에서 기호로 보면 공식이 합치지 않은 역전파 줄들과 다릅니다.",
    "prog.fused.unproven": "기호로 증명하지 못했습니다: {reason}.",
    "prog.fused.check": "이 시트의 수에서 원소 {entries}개 모두 합치지 않은 역전파 줄들과 같습니다.",
    "prog.fused.miss": "이 시트의 수에서 합치지 않은 역전파 줄들과 다릅니다 (가장 큰 차이 {worst}).",
    "prog.fused.check.detail": "원소마다 |합친 값 − 합치지 않은 값| ≤ {atol} + {rtol}·|합치지 않은 값|이면 통과; "
                               "가장 큰 차이 {worst}.",
    "prog.fused.bad": "합친 공식이 합치지 않은 줄들과 다릅니다.",
    # 증명이 비교한 것 (확인 도장의 자세한 내용)
    "proof.symbolic": "전개한 연쇄 법칙이 합성된 출력을 sympy.diff로 미분한 것과 같고, 무작위 점 하나에서 60자리 중심 "
                      "차분과도 같습니다",
    "proof.rule": "전개한 연쇄 법칙은 합성된 출력을 sympy.diff로 미분한 것과 같지만, 60자리 중심 차분과는 다릅니다: "
                  "어떤 함수의 도함수 규칙(fdiff)이 틀렸습니다",
    "proof.points": "{negation}δ 재귀식의 값이 무작위 유리수 점 {n}개에서 변수 하나짜리 순전파의 도함수, 그리고 60자리 "
                    "중심 차분과 같습니다 {arithmetic}",
    "proof.points-fd": "{negation}δ 재귀식의 값이 무작위 유리수 점 {n}개에서 중심 차분(간격 10⁻²⁵)과 같습니다 {arithmetic}",
    "proof.cancel": "전개식이 소거되지 않아 점에서 확인: {rest}", "proof.not": "아님: ",
    "proof.exact": "(정확한 유리수 계산)", "proof.digits": "({digits}자리 계산)",
    # 제목, 신경망 설명, 활성화 함수와 손실 함수의 이름
    "title.network": "{describe}", "title.example": "손으로 풀어 보는 {layers} {acts} 신경망",
    "title.graph": "계산 그래프",
    "net.describe": "{layers} {acts} 신경망, {loss} 손실",
    "act.identity": "항등", "act.sigmoid": "시그모이드", "act.tanh": "쌍곡탄젠트", "act.relu": "렐루",
    "act.leaky_relu": "리키 렐루", "act.softplus": "소프트플러스", "act.softmax": "소프트맥스",
    "loss.squared": "제곱", "loss.sse": "오차 제곱합", "loss.mse": "평균 제곱 오차", "loss.cross_entropy": "교차 엔트로피",
    "loss.binary_cross_entropy": "이진 교차 엔트로피", "loss.output": "출력값",
    # 합친 공식을 찾은 방법
    "rule.softmax with cross entropy": "소프트맥스와 교차 엔트로피", "rule.log-softmax": "로그 소프트맥스",
    "rule.softmax": "소프트맥스", "rule.log-sum-exp": "로그-합-지수", "rule.batch normalisation": "배치 정규화",
    "rule.layer normalisation": "층 정규화", "rule.the lines composed": "줄들을 합성",
}
