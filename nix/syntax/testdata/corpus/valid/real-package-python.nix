{ lib, python3Packages, fetchPypi }:

python3Packages.buildPythonApplication rec {
  pname = "example-cli";
  version = "1.0.2";
  format = "pyproject";

  src = fetchPypi {
    inherit pname version;
    hash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  };

  nativeBuildInputs = with python3Packages; [ setuptools wheel ];
  propagatedBuildInputs = with python3Packages; [ click requests pyyaml ];
  nativeCheckInputs = [ python3Packages.pytestCheckHook ];
  disabledTests = [ "test_network" "test_slow" ];
  pythonImportsCheck = [ "example_cli" ];

  meta = with lib; {
    description = "Example CLI";
    license = licenses.bsd3;
  };
}
